// The kernel object table from the attacker's side: a handle is any number a user thread likes,
// so every lookup that is not a registered object of the right type granted to the caller must
// fail, and for the right reason. Each test uses a table of its own (not the kernel's).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>

#include "ward/kernel/object_table.hpp"

namespace ward::kernel {
namespace {

// Stand-ins for kernel objects: the table never dereferences what it stores.
struct Object {
  std::uint64_t payload[2];
};

std::uintptr_t handle(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

class ObjectTableTest : public testing::Test {
 protected:
  // Static: a kernel object table belongs in .bss, and some objects are large.
  static inline ObjectTable table;
  Object sem{};
  Object other{};

  void SetUp() override { table = ObjectTable{}; }

  HandleError refused(std::uintptr_t h, ObjectType type, unsigned user) {
    auto r = table.lookup(h, type, user);
    EXPECT_FALSE(r.has_value()) << "handle 0x" << std::hex << h << " accepted";
    return r.has_value() ? HandleError{} : r.error();
  }
};

TEST_F(ObjectTableTest, AddThenGrantMakesLookupWork) {
  ASSERT_TRUE(table.add(&sem, ObjectType::semaphore).has_value());
  ASSERT_TRUE(table.grant(&sem, 3).has_value());
  auto r = table.lookup(handle(&sem), ObjectType::semaphore, 3);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, &sem);
}

TEST_F(ObjectTableTest, DuplicateAddRefusedAndKeepsTheFirstType) {
  ASSERT_TRUE(table.add(&sem, ObjectType::semaphore).has_value());
  ASSERT_TRUE(table.grant(&sem, 0).has_value());
  auto again = table.add(&sem, ObjectType::semaphore);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error(), Error::invalid_state);
  // A second registration as another type must not retype the object (or reset its grants).
  auto retype = table.add(&sem, ObjectType::mutex);
  ASSERT_FALSE(retype.has_value());
  EXPECT_EQ(retype.error(), Error::invalid_state);
  EXPECT_EQ(refused(handle(&sem), ObjectType::mutex, 0), HandleError::wrong_type);
  EXPECT_TRUE(table.lookup(handle(&sem), ObjectType::semaphore, 0).has_value());
}

TEST_F(ObjectTableTest, NullObjectRefused) {
  auto r = table.add(nullptr, ObjectType::semaphore);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), Error::invalid_argument);
  EXPECT_FALSE(table.grant(nullptr, 0).has_value());
  EXPECT_FALSE(table.revoke(nullptr, 0).has_value());
  EXPECT_FALSE(table.withdraw(nullptr).has_value());
}

TEST_F(ObjectTableTest, CapacityOverflowRefused) {
  static std::array<Object, ObjectTable::kCapacity + 1> many{};
  for (std::size_t i = 0; i < ObjectTable::kCapacity; ++i) {
    ASSERT_TRUE(table.add(&many[i], ObjectType::queue).has_value()) << "object " << i;
  }
  auto full = table.add(&many.back(), ObjectType::queue);
  ASSERT_FALSE(full.has_value());
  EXPECT_EQ(full.error(), Error::overflow);
  // The one that did not fit is not reachable; every one that did still is.
  ASSERT_TRUE(table.grant(&many[0], 1).has_value());
  EXPECT_FALSE(table.grant(&many.back(), 1).has_value());
  EXPECT_EQ(refused(handle(&many.back()), ObjectType::queue, 1), HandleError::unknown);
  EXPECT_TRUE(table.lookup(handle(&many[0]), ObjectType::queue, 1).has_value());
  // A withdrawn entry frees its slot for the next object.
  ASSERT_TRUE(table.withdraw(&many[5]).has_value());
  EXPECT_TRUE(table.add(&many.back(), ObjectType::queue).has_value());
}

// The lookup tests the first entry before the loop's bound: every entry, the first and the last
// included, is found, with its own type and grants checked; the end of a full table that holds no
// match stops the scan (unknown), and a neighbour's address never matches.
TEST_F(ObjectTableTest, EveryEntryOfAFullTableFoundAndChecked) {
  static std::array<Object, ObjectTable::kCapacity + 1> many{};
  for (std::size_t i = 0; i < ObjectTable::kCapacity; ++i) {
    ASSERT_TRUE(table.add(&many[i], ObjectType::queue).has_value()) << "object " << i;
    ASSERT_TRUE(table.grant(&many[i], static_cast<unsigned>(i % 32)).has_value());
  }
  for (std::size_t i = 0; i < ObjectTable::kCapacity; ++i) {
    const auto id = static_cast<unsigned>(i % 32);
    auto r = table.lookup(handle(&many[i]), ObjectType::queue, id);
    ASSERT_TRUE(r.has_value()) << "entry " << i;
    EXPECT_EQ(*r, &many[i]) << "entry " << i;
    EXPECT_EQ(refused(handle(&many[i]), ObjectType::semaphore, id), HandleError::wrong_type) << "entry " << i;
    EXPECT_EQ(refused(handle(&many[i]), ObjectType::queue, (id + 1) % 32), HandleError::not_granted) << "entry " << i;
    EXPECT_EQ(refused(handle(&many[i]) + 1, ObjectType::queue, id), HandleError::unknown) << "entry " << i;
  }
  EXPECT_EQ(refused(handle(&many.back()), ObjectType::queue, 0), HandleError::unknown);
  EXPECT_EQ(refused(0, ObjectType::queue, 0), HandleError::unknown);
  // The last entry withdrawn: its handle is unknown, the scan ends at the table's end.
  ASSERT_TRUE(table.withdraw(&many[ObjectTable::kCapacity - 1]).has_value());
  EXPECT_EQ(refused(handle(&many[ObjectTable::kCapacity - 1]), ObjectType::queue,
                    static_cast<unsigned>((ObjectTable::kCapacity - 1) % 32)),
            HandleError::unknown);
}

TEST_F(ObjectTableTest, ForgedHandlesUnknown) {
  ASSERT_TRUE(table.add(&sem, ObjectType::semaphore).has_value());
  ASSERT_TRUE(table.grant(&sem, 0).has_value());
  EXPECT_EQ(refused(0, ObjectType::semaphore, 0), HandleError::unknown);
  // Inside the object, just past it, just before it: only the exact address names it.
  EXPECT_EQ(refused(handle(&sem) + 1, ObjectType::semaphore, 0), HandleError::unknown);
  EXPECT_EQ(refused(handle(&sem) + sizeof sem, ObjectType::semaphore, 0), HandleError::unknown);
  EXPECT_EQ(refused(handle(&sem) - 1, ObjectType::semaphore, 0), HandleError::unknown);
  EXPECT_EQ(refused(~std::uintptr_t{0}, ObjectType::semaphore, 0), HandleError::unknown);
  // Random numbers (fixed seed, so a failure reproduces).
  std::mt19937_64 rng{0x5741524dU};
  for (int i = 0; i < 1000; ++i) {
    const auto h = static_cast<std::uintptr_t>(rng());
    if (h == handle(&sem)) {
      continue;
    }
    ASSERT_EQ(refused(h, ObjectType::semaphore, 0), HandleError::unknown);
  }
}

TEST_F(ObjectTableTest, FreeSlotsNeverMatch) {
  // Free entries hold a null object: handle 0 must not find them, with or without objects present.
  EXPECT_EQ(refused(0, ObjectType{}, 0), HandleError::unknown);
  ASSERT_TRUE(table.add(&sem, ObjectType::semaphore).has_value());
  EXPECT_EQ(refused(0, ObjectType{}, 0), HandleError::unknown);
}

TEST_F(ObjectTableTest, WrongTypeRefused) {
  ASSERT_TRUE(table.add(&sem, ObjectType::semaphore).has_value());
  ASSERT_TRUE(table.grant(&sem, 2).has_value());
  for (ObjectType t : {ObjectType::mutex, ObjectType::queue, ObjectType::event_flags}) {
    EXPECT_EQ(refused(handle(&sem), t, 2), HandleError::wrong_type) << "type " << int(t);
  }
}

TEST_F(ObjectTableTest, NotGrantedRefused) {
  ASSERT_TRUE(table.add(&sem, ObjectType::semaphore).has_value());
  EXPECT_EQ(refused(handle(&sem), ObjectType::semaphore, 0), HandleError::not_granted);
  ASSERT_TRUE(table.grant(&sem, 4).has_value());
  // A grant is for one thread only; the neighbouring ids and the highest one get nothing.
  EXPECT_TRUE(table.lookup(handle(&sem), ObjectType::semaphore, 4).has_value());
  EXPECT_EQ(refused(handle(&sem), ObjectType::semaphore, 3), HandleError::not_granted);
  EXPECT_EQ(refused(handle(&sem), ObjectType::semaphore, 5), HandleError::not_granted);
  EXPECT_EQ(refused(handle(&sem), ObjectType::semaphore, 31), HandleError::not_granted);
  // Ids past the 32-bit grant mask (or a privileged thread's id, which is ~0u) never match.
  EXPECT_EQ(refused(handle(&sem), ObjectType::semaphore, 32), HandleError::not_granted);
  EXPECT_EQ(refused(handle(&sem), ObjectType::semaphore, 36), HandleError::not_granted);  // 36 % 32 == 4
  EXPECT_EQ(refused(handle(&sem), ObjectType::semaphore, ~0u), HandleError::not_granted);
}

TEST_F(ObjectTableTest, GrantOutsideTheMaskRefused) {
  ASSERT_TRUE(table.add(&sem, ObjectType::semaphore).has_value());
  EXPECT_FALSE(table.grant(&sem, 32).has_value());
  EXPECT_FALSE(table.grant(&sem, ~0u).has_value());
  EXPECT_FALSE(table.revoke(&sem, 32).has_value());
  EXPECT_EQ(refused(handle(&sem), ObjectType::semaphore, 0), HandleError::not_granted);
}

TEST_F(ObjectTableTest, GrantOfUnregisteredObjectRefused) {
  auto r = table.grant(&sem, 0);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), Error::invalid_argument);
  EXPECT_EQ(refused(handle(&sem), ObjectType::semaphore, 0), HandleError::unknown);
}

TEST_F(ObjectTableTest, RevokeRemovesOnlyThatThreadsGrant) {
  ASSERT_TRUE(table.add(&sem, ObjectType::semaphore).has_value());
  ASSERT_TRUE(table.grant(&sem, 1).has_value());
  ASSERT_TRUE(table.grant(&sem, 7).has_value());
  ASSERT_TRUE(table.revoke(&sem, 1).has_value());
  EXPECT_EQ(refused(handle(&sem), ObjectType::semaphore, 1), HandleError::not_granted);
  EXPECT_TRUE(table.lookup(handle(&sem), ObjectType::semaphore, 7).has_value());
  // Revoking what was never granted is harmless.
  EXPECT_TRUE(table.revoke(&sem, 2).has_value());
  EXPECT_TRUE(table.lookup(handle(&sem), ObjectType::semaphore, 7).has_value());
}

TEST_F(ObjectTableTest, WithdrawMakesHandleStale) {
  ASSERT_TRUE(table.add(&sem, ObjectType::semaphore).has_value());
  ASSERT_TRUE(table.grant(&sem, 0).has_value());
  ASSERT_TRUE(table.add(&other, ObjectType::semaphore).has_value());
  ASSERT_TRUE(table.grant(&other, 0).has_value());
  ASSERT_TRUE(table.withdraw(&sem).has_value());
  EXPECT_EQ(refused(handle(&sem), ObjectType::semaphore, 0), HandleError::unknown);
  EXPECT_FALSE(table.grant(&sem, 0).has_value());  // no grant without registering again
  EXPECT_TRUE(table.lookup(handle(&other), ObjectType::semaphore, 0).has_value());
  auto twice = table.withdraw(&sem);
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error(), Error::invalid_argument);
}

TEST_F(ObjectTableTest, ReAddAfterWithdrawHasNoGrants) {
  ASSERT_TRUE(table.add(&sem, ObjectType::semaphore).has_value());
  for (unsigned id = 0; id < 32; ++id) {
    ASSERT_TRUE(table.grant(&sem, id).has_value());
  }
  ASSERT_TRUE(table.withdraw(&sem).has_value());
  // The same address comes back (an object reused, or a new one in the same memory), maybe as
  // another type: nobody's old grant carries over.
  ASSERT_TRUE(table.add(&sem, ObjectType::mutex).has_value());
  for (unsigned id = 0; id < 32; ++id) {
    EXPECT_EQ(refused(handle(&sem), ObjectType::mutex, id), HandleError::not_granted) << "user " << id;
  }
  EXPECT_EQ(refused(handle(&sem), ObjectType::semaphore, 0), HandleError::wrong_type);
}

}  // namespace
}  // namespace ward::kernel
