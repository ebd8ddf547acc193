// Every Handle and UserSpan argument of every call in WARD_SYSCALLS, attacked with every class of
// bad value, from a user thread on the host kernel. The cases are generated from the list itself,
// so a call is attacked the day it is declared. For each case the other arguments are valid, the
// call is made through the trap (arch::syscall with raw argument words, as a hostile thread would),
// and the test expects: one fault report naming that call, that argument and the reason; the
// thread stopped before the call returned; the objects it named untouched. One control case per
// call has every argument valid: it must not fault, so the attacks fail for the reason they claim.
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#include "user_world.hpp"

namespace ward::isotest {
namespace {

// A socket as the kernel sees it: an address registered with the type socket. No network stack
// is linked here, so the control cases end in the kernel's defaults (not_supported, or
// not_permitted for net_open: the attacker has no network grant).
struct FakeSocket {
  std::uint64_t word = 0;
};

// Objects of every type the calls take, in the roles an attacker can try.
struct Objects {
  Semaphore sem{0, 4};
  Mutex mutex;
  Queue<std::uint64_t, 2> queue;
  EventFlags flags;
  FakeSocket socket;
};
Objects granted;       // granted to the attacker: what valid handles name
Objects withdrawn;     // granted to the attacker, then withdrawn
Objects foreign;       // granted to another user thread only
Objects unregistered;  // never registered

template <class T>
std::uintptr_t pick(Objects& o) {
  if constexpr (std::is_same_v<T, Semaphore>) {
    return address(&o.sem);
  } else if constexpr (std::is_same_v<T, Mutex>) {
    return address(&o.mutex);
  } else if constexpr (std::is_same_v<T, kernel::QueueCore>) {
    return address(&o.queue.core());
  } else if constexpr (std::is_same_v<T, Socket>) {
    return address(&o.socket);
  } else {
    static_assert(std::is_same_v<T, EventFlags>, "a handle type the attack test does not know yet");
    return address(&o.flags);
  }
}

template <class A>
struct Bad {
  const char* name;
  A value;
  std::uint8_t detail;
};

// For each argument type: its valid value, and its bad values with the refusal each must get.
template <class A>
struct Attacks;

template <>
struct Attacks<UserTimeout> {  // every word is a valid timeout
  static constexpr FaultKind kKind{};
  // Any word is a valid timeout; a short wait keeps the control cases' blocking calls finite.
  static UserTimeout valid() { return UserTimeout::after(Duration::us(1)); }
  static std::vector<Bad<UserTimeout>> bad() { return {}; }
};

template <>
struct Attacks<std::uint32_t> {  // plain values: the implementation checks them
  static constexpr FaultKind kKind{};
  static std::uint32_t valid() { return 0; }
  static std::vector<Bad<std::uint32_t>> bad() { return {}; }
};

template <class T>
struct Attacks<Handle<T>> {
  static constexpr FaultKind kKind = FaultKind::bad_handle;
  static Handle<T> valid() { return Handle<T>{pick<T>(granted)}; }
  static std::vector<Bad<Handle<T>>> bad() {
    constexpr auto unknown = static_cast<std::uint8_t>(HandleError::unknown);
    // A granted object of another type.
    const std::uintptr_t other = std::is_same_v<T, Semaphore> ? address(&granted.mutex) : address(&granted.sem);
    return {
        {"null", Handle<T>{0}, unknown},
        {"forged", Handle<T>{0x13572468}, unknown},
        {"inside_object", Handle<T>{valid().raw() + 1}, unknown},
        {"unregistered", Handle<T>{pick<T>(unregistered)}, unknown},
        {"withdrawn", Handle<T>{pick<T>(withdrawn)}, unknown},
        {"wrong_type", Handle<T>{other}, static_cast<std::uint8_t>(HandleError::wrong_type)},
        {"not_granted", Handle<T>{pick<T>(foreign)}, static_cast<std::uint8_t>(HandleError::not_granted)},
    };
  }
};

template <class T>
struct Attacks<UserSpan<T>> {
  static constexpr FaultKind kKind = FaultKind::bad_pointer;
  static constexpr std::size_t kSize = sizeof(T);
  static UserSpan<T> valid() { return {address(shared.bytes), 1}; }
  static std::vector<Bad<UserSpan<T>>> bad() {
    constexpr auto outside = static_cast<std::uint8_t>(UserMemoryError::not_accessible);
    const std::uintptr_t part = address(shared.bytes);
    std::vector<Bad<UserSpan<T>>> list{
        {"null", {0, 1}, outside},
        {"kernel_memory", {address(kernel_data), 1}, outside},
        {"other_threads_stack", {address(on_stack(stack_b)), 1}, outside},
        {"past_partition_end", {part + sizeof shared.bytes - kSize, 2}, outside},
        {"before_partition", {part - kSize, 2}, outside},
        {"past_stack_end", {address(stack_a.bytes + sizeof stack_a.bytes - kSize), 2}, outside},
        {"wraps_address_space", {0xFFFFFF00u, 0x200 / kSize}, detail_for_wrap()},
        {"huge_count", {part, 0xFFFFFFFFu}, detail_for_wrap()},
    };
    if constexpr (alignof(T) > 1) {
      list.push_back({"unaligned", {part + alignof(T) / 2, 1}, static_cast<std::uint8_t>(UserMemoryError::unaligned)});
    }
    if constexpr (kSize > 1) {
      // count * size is 2^32 + size: on a 32-bit target the product wraps to one element.
      list.push_back({"count_times_size_wraps", {part, 0x100000000u / kSize + 1}, detail_for_wrap()});
    }
    if constexpr (UserSpan<T>::kWrite) {
      list.push_back({"read_only_partition", {address(constants.bytes), 1}, outside});
    }
    return list;
  }
};

struct Case {
  std::string name;
  std::uint32_t call;
  int argument;  // -1: the control case, every argument valid
  std::array<ward::kernel::SyscallWord, 4> words;
  FaultKind kind;
  std::uint8_t detail;
};

template <class A>
void add_bad(std::vector<Case>& out, const char* call_name, std::uint32_t call, std::size_t index,
             std::size_t offset, const std::array<ward::kernel::SyscallWord, 4>& valid) {
  for (const auto& b : Attacks<A>::bad()) {
    Case c{std::string{call_name} + "_arg" + std::to_string(index) + "_" + b.name, call, static_cast<int>(index),
           valid, Attacks<A>::kKind, b.detail};
    kernel::ArgTraits<A>::encode(b.value, c.words.data() + offset);
    out.push_back(c);
  }
}

template <std::uint32_t Id, class R, class... A>
void add_cases(std::vector<Case>& out, const char* name, const Syscall<Id, R(A...)>&) {
  using Call = Syscall<Id, R(A...)>;
  std::array<ward::kernel::SyscallWord, 4> valid{};
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (kernel::ArgTraits<A>::encode(Attacks<A>::valid(), valid.data() + Call::kOffsets[I]), ...);
    out.push_back(Case{std::string{name} + "_all_valid", Id, -1, valid, FaultKind{}, 0});
    (add_bad<A>(out, name, Id, I, Call::kOffsets[I], valid), ...);
  }(std::index_sequence_for<A...>{});
}

std::vector<Case> all_cases() {
  std::vector<Case> out;
#define WARD_ATTACK_CALL(number, name, signature, implementation) add_cases(out, #name, sys::name);
  WARD_SYSCALLS(WARD_ATTACK_CALL)
#undef WARD_ATTACK_CALL
  return out;
}

// gtest prints a parameter by name, not as bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

const Case* current = nullptr;
bool survived = false;

void attacker(void*) {
  (void)arch::syscall(current->call, current->words[0], current->words[1], current->words[2], current->words[3]);
  survived = true;
}

template <class R>
bool ok(const R& r) {
  return r.has_value();
}

void grant_all(Objects& o, const Thread& t) {
  EXPECT_TRUE(ok(grant(o.sem, t)));
  EXPECT_TRUE(ok(grant(o.mutex, t)));
  EXPECT_TRUE(ok(grant(o.queue, t)));
  EXPECT_TRUE(ok(grant(o.flags, t)));
  // The kernel makes sockets objects itself (net_open); here, by hand.
  const auto add = kernel::objects().add(&o.socket, ObjectType::socket);
  EXPECT_TRUE(ok(add) || add.error() == Error::invalid_state);
  EXPECT_TRUE(ok(kernel::objects().grant(&o.socket, t.user_id())));
}

// The granted objects are as they were: the refused call did no work.
void expect_untouched() {
  EXPECT_EQ(granted.sem.count(), 0u);
  EXPECT_EQ(granted.mutex.owner(), nullptr);
  EXPECT_EQ(granted.queue.size(), 0u);
  EXPECT_EQ(granted.flags.get(), 0u);
}

int attack_body() {
  // Fresh objects: a control case before may have given a semaphore or set a flag.
  for (Objects* o : {&granted, &withdrawn, &foreign, &unregistered}) {
    std::destroy_at(o);
    std::construct_at(o);
  }
  Cleanup cleanup{granted.sem,   granted.mutex,   granted.queue,   granted.flags,   withdrawn.sem,
                  withdrawn.mutex, withdrawn.queue, withdrawn.flags, foreign.sem,     foreign.mutex,
                  foreign.queue, foreign.flags, granted.socket, withdrawn.socket, foreign.socket};
  drain_faults();
  survived = false;
  std::memset(shared.bytes, '.', sizeof shared.bytes);
  const Case& c = *current;
  const auto before = faults::count();

  EXPECT_TRUE(ok(user_a.create_user(stack_a.span(), &attacker, nullptr, kAbove, "attacker", app)));
  EXPECT_TRUE(ok(user_b.create_user(stack_b.span(), +[](void*) {}, nullptr, kBelow, "bystander", app)));
  grant_all(granted, user_a);
  grant_all(withdrawn, user_a);
  EXPECT_TRUE(ok(withdraw(withdrawn.sem)));
  EXPECT_TRUE(ok(withdraw(withdrawn.mutex)));
  EXPECT_TRUE(ok(withdraw(withdrawn.queue)));
  EXPECT_TRUE(ok(withdraw(withdrawn.flags)));
  EXPECT_TRUE(ok(kernel::objects().withdraw(&withdrawn.socket)));
  grant_all(foreign, user_b);
  EXPECT_TRUE(ok(user_a.start()));

  if (c.argument < 0) {
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_EQ(faults::count(), before) << "a call with valid arguments was refused";
    EXPECT_EQ(survived, c.call != sys::thread_exit.kId);
    return 0;
  }
  auto report = next_fault();
  EXPECT_TRUE(ok(report)) << "no fault report";
  if (report) {
    expect_report(*report, user_a, {c.kind, c.call, c.argument, c.detail});
    EXPECT_FALSE(report->restarted);
  }
  EXPECT_EQ(faults::count(), before + 1);
  EXPECT_TRUE(ok(user_a.join(Timeout::none())));
  EXPECT_FALSE(survived) << "the refused call returned to the attacker";
  expect_untouched();
  // The rest of the system is fine: the bystander still runs.
  EXPECT_TRUE(ok(user_b.start()));
  EXPECT_TRUE(ok(user_b.join(Timeout::after(kPatience))));
  return 0;
}

class SyscallAttack : public testing::TestWithParam<Case> {};

TEST_P(SyscallAttack, Refused) {
  current = &GetParam();
  run(&attack_body);
}

INSTANTIATE_TEST_SUITE_P(Every, SyscallAttack, testing::ValuesIn(all_cases()),
                         [](const testing::TestParamInfo<Case>& param) { return param.param.name; });

// The generated list covers what the declarations promise: every call has its control case, and
// every Handle and UserSpan argument its attacks.
TEST(SyscallAttackList, CoversEveryCallAndArgument) {
  const auto cases = all_cases();
  std::vector<int> per_call(sys::kCount, 0);
  std::vector<int> controls(sys::kCount, 0);
  for (const auto& c : cases) {
    ASSERT_LT(c.call, sys::kCount);
    (c.argument < 0 ? controls : per_call)[c.call]++;
  }
  for (std::uint32_t i = 0; i < sys::kCount; ++i) {
    EXPECT_EQ(controls[i], 1) << "call " << i;
  }
  EXPECT_EQ(per_call[sys::sem_give.kId], 7);                       // one handle
  EXPECT_EQ(per_call[sys::time_now.kId], 11);                      // one writable span of uint64_t
  EXPECT_EQ(per_call[sys::console_write.kId], 8);                  // one read-only span of char
  EXPECT_EQ(per_call[sys::queue_receive.kId], 7 + 9);              // a handle and a writable byte span
  EXPECT_EQ(per_call[sys::yield.kId] + per_call[sys::sleep_for.kId] + per_call[sys::thread_exit.kId], 0);
}

}  // namespace
}  // namespace ward::isotest
