// The system-call list (ward/syscalls.hpp) is ABI: numbers are positions in the list, distinct,
// dense from 0, and sys::kCount covers exactly them, so the dispatch tables built from the same
// list have one entry per number and the trap's range check (id < kCount) lets nothing else in.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "ward/syscalls.hpp"

namespace ward {
namespace {

struct Declared {
  std::uint32_t number;
  std::uint32_t id;  // what the declared sys::<name> object carries
  const char* name;
  std::size_t args;  // declared arguments
};

const std::vector<Declared>& declared() {
#define WARD_TEST_DECLARED(number, name, signature, implementation) \
  Declared{number, sys::name.kId, #name, decltype(sys::name)::kArgs},
  static const std::vector<Declared> list{WARD_SYSCALLS(WARD_TEST_DECLARED)};
#undef WARD_TEST_DECLARED
  return list;
}

TEST(SyscallList, NumbersArePositions) {
  const auto& list = declared();
  ASSERT_FALSE(list.empty());
  for (std::size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(list[i].number, i) << list[i].name;
    EXPECT_EQ(list[i].id, list[i].number) << list[i].name;
  }
}

TEST(SyscallList, NumbersAndNamesDistinct) {
  std::set<std::uint32_t> numbers;
  std::set<std::string> names;
  for (const auto& d : declared()) {
    EXPECT_TRUE(numbers.insert(d.number).second) << "number " << d.number << " declared twice";
    EXPECT_TRUE(names.insert(d.name).second) << d.name << " declared twice";
  }
}

TEST(SyscallList, CountMatchesTheList) {
  EXPECT_EQ(sys::kCount, declared().size());
  EXPECT_EQ(sys::kCount, declared().back().number + 1);
}

TEST(SyscallList, EveryNumberHasBothEntries) {
  for (const auto& d : declared()) {
    EXPECT_NE(kernel::trusted_syscalls[d.number], nullptr) << d.name;
    EXPECT_NE(kernel::ward_syscall_table[d.number], nullptr) << d.name;
    // A call with arguments has a verified entry that is another function than the trusted one;
    // a call without arguments has nothing to verify, and one entry serves both.
    if (d.args > 0) {
      EXPECT_NE(kernel::trusted_syscalls[d.number], kernel::ward_syscall_table[d.number]) << d.name;
    } else {
      EXPECT_EQ(kernel::trusted_syscalls[d.number], kernel::ward_syscall_table[d.number]) << d.name;
    }
  }
}

// The ABI numbers user code was built against. Renumbering a call breaks every application
// binary built before: this list changes only by appending.
TEST(SyscallList, NumbersAreStable) {
  EXPECT_EQ(sys::yield.kId, 0u);
  EXPECT_EQ(sys::sleep_for.kId, 1u);
  EXPECT_EQ(sys::thread_exit.kId, 2u);
  EXPECT_EQ(sys::time_now.kId, 3u);
  EXPECT_EQ(sys::console_write.kId, 4u);
  EXPECT_EQ(sys::sem_give.kId, 5u);
  EXPECT_EQ(sys::sem_take.kId, 6u);
  EXPECT_EQ(sys::mutex_lock.kId, 7u);
  EXPECT_EQ(sys::mutex_unlock.kId, 8u);
  EXPECT_EQ(sys::queue_send.kId, 9u);
  EXPECT_EQ(sys::queue_receive.kId, 10u);
  EXPECT_EQ(sys::event_set.kId, 11u);
  EXPECT_EQ(sys::event_wait.kId, 12u);
  EXPECT_EQ(sys::psa_call.kId, 13u);
  EXPECT_EQ(sys::net_open.kId, 14u);
  EXPECT_EQ(sys::net_accept.kId, 18u);
  EXPECT_EQ(sys::net_send.kId, 19u);
  EXPECT_EQ(sys::net_recv.kId, 20u);
  EXPECT_EQ(sys::net_setopt.kId, 22u);
  EXPECT_EQ(sys::net_sendto.kId, 23u);
  EXPECT_EQ(sys::net_recvfrom.kId, 24u);
  EXPECT_EQ(sys::net_poll.kId, 25u);
  EXPECT_EQ(sys::net_resolve.kId, 26u);
  EXPECT_EQ(sys::net_tls_hostname.kId, 27u);
  EXPECT_GE(sys::kCount, 28u);
}

// Every call's arguments fit in r0-r3 (the declaration would not compile otherwise); check the
// word layout of the widest ones.
TEST(SyscallList, ArgumentWords) {
  using QueueSend = std::remove_cvref_t<decltype(sys::queue_send)>;
  EXPECT_EQ(QueueSend::kOffsets[0], 0u);  // handle
  EXPECT_EQ(QueueSend::kOffsets[1], 1u);  // address, count
  EXPECT_EQ(QueueSend::kOffsets[2], 3u);  // timeout
  EXPECT_EQ(QueueSend::kOffsets[3], 4u);
  using EventWait = std::remove_cvref_t<decltype(sys::event_wait)>;
  EXPECT_EQ(EventWait::kOffsets.back(), 4u);
}

}  // namespace
}  // namespace ward
