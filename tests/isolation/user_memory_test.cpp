// UserMemoryMap::check from the attacker's side: every way a user range can be wrong, one test
// each, next to the ranges that must still pass. The checks are pure arithmetic on addresses, so
// they run here at the host's full pointer width (64 bits), where the wrap-around edges are 2^64.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "ward/kernel/memory_domain.hpp"
#include "ward/kernel/user_memory.hpp"

namespace ward {
namespace {

constexpr std::uintptr_t kMax = std::numeric_limits<std::uintptr_t>::max();

PartitionMemory<128> rw_memory;
PartitionMemory<64> ro_memory;
// Two partitions that touch: `pair.first` ends exactly where `pair.second` begins.
struct Adjacent {
  PartitionMemory<64> first;
  PartitionMemory<64> second;
};
Adjacent pair;
static_assert(sizeof(Adjacent) == 128, "the two partitions are back to back");

constexpr Domain domain{Partition::of(rw_memory, Access::read_write), Partition::of(ro_memory, Access::read),
                        Partition::of(pair.first, Access::read_write), Partition::of(pair.second, Access::read_write),
                        Partition::device(0x40100000, 0x1000, Access::read_write)};

alignas(32) std::byte stack[512];
alignas(32) std::byte elsewhere[64];  // kernel memory: in no partition and not the stack

std::uintptr_t at(const void* p, std::size_t offset = 0) { return reinterpret_cast<std::uintptr_t>(p) + offset; }

UserMemoryMap map() { return UserMemoryMap{at(stack), sizeof stack, domain}; }

template <class T>
UserMemoryError refused(UserSpan<T> s) {
  auto r = map().check(s);
  EXPECT_FALSE(r.has_value()) << "accepted " << s.count() << " elements at 0x" << std::hex << s.address();
  return r.has_value() ? UserMemoryError{} : r.error();
}

template <class T>
void accepted(UserSpan<T> s) {
  auto r = map().check(s);
  ASSERT_TRUE(r.has_value()) << "refused " << s.count() << " elements at 0x" << std::hex << s.address()
                             << " (reason " << int(r.error()) << ")";
  // The view is exactly the range asked for.
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(r->data()), s.address());
  EXPECT_EQ(r->size(), s.count());
}

TEST(UserMemory, WholeStackAndPartsOfItAccepted) {
  accepted(UserSpan<std::byte>{at(stack), sizeof stack});
  accepted(UserSpan<std::uint32_t>{at(stack, 64), 8});
  accepted(UserSpan<const std::uint64_t>{at(stack, sizeof stack - 8), 1});  // the last element
}

TEST(UserMemory, WholePartitionAndPartsOfItAccepted) {
  accepted(UserSpan<std::byte>{at(&rw_memory), rw_memory.size()});
  accepted(UserSpan<std::uint32_t>{at(&rw_memory, 4), 31});  // up to the last byte
  accepted(UserSpan<std::uint64_t>{at(&rw_memory, 120), 1});
}

TEST(UserMemory, DevicePartitionNeverABuffer) {
  // The thread may touch its device itself; the kernel never does on its behalf (issue 12: a
  // device access that faults would fault in the kernel).
  EXPECT_EQ(refused(UserSpan<std::uint32_t>{0x40100ffc, 1}), UserMemoryError::not_accessible);
  EXPECT_EQ(refused(UserSpan<const std::byte>{0x40100000, 0x1000}), UserMemoryError::not_accessible);
}

TEST(UserMemory, UnalignedRefused) {
  EXPECT_EQ(refused(UserSpan<std::uint32_t>{at(&rw_memory, 1), 1}), UserMemoryError::unaligned);
  EXPECT_EQ(refused(UserSpan<std::uint32_t>{at(&rw_memory, 2), 1}), UserMemoryError::unaligned);
  EXPECT_EQ(refused(UserSpan<const std::uint64_t>{at(&rw_memory, 4), 1}), UserMemoryError::unaligned);
  EXPECT_EQ(refused(UserSpan<std::uint64_t>{at(stack, 12), 2}), UserMemoryError::unaligned);
  // Alignment is checked first: an empty range is still refused when misaligned.
  EXPECT_EQ(refused(UserSpan<std::uint32_t>{at(&rw_memory, 3), 0}), UserMemoryError::unaligned);
  // Bytes and chars have no alignment to get wrong.
  accepted(UserSpan<const char>{at(&rw_memory, 3), 5});
}

TEST(UserMemory, CountTimesSizeOverflowRefused) {
  // count * sizeof(T) would exceed SIZE_MAX: the product must not be computed and wrap to a small size.
  const std::size_t too_many = std::numeric_limits<std::size_t>::max() / sizeof(std::uint64_t) + 1;
  EXPECT_EQ(refused(UserSpan<std::uint64_t>{at(&rw_memory), too_many}), UserMemoryError::wraps);
  // 2^61 + 2 elements of 8 bytes wrap to 16 bytes, which would fit the partition.
  EXPECT_EQ(refused(UserSpan<std::uint64_t>{at(&rw_memory), too_many + 2}), UserMemoryError::wraps);
  EXPECT_EQ(refused(UserSpan<std::uint32_t>{at(&rw_memory), std::numeric_limits<std::size_t>::max()}),
            UserMemoryError::wraps);
}

TEST(UserMemory, AddressPlusLengthWrappingRefused) {
  static_assert(sizeof(std::uintptr_t) * 8 == 64 || sizeof(std::uintptr_t) * 8 == 32);
  // Ends one past the top of the address space, or anywhere beyond it.
  EXPECT_EQ(refused(UserSpan<std::byte>{kMax, 2}), UserMemoryError::wraps);
  EXPECT_EQ(refused(UserSpan<std::byte>{kMax - 3, 8}), UserMemoryError::wraps);
  EXPECT_EQ(refused(UserSpan<std::uint32_t>{kMax - 3, 2}), UserMemoryError::wraps);
  EXPECT_EQ(refused(UserSpan<std::uint64_t>{kMax - 7, 2}), UserMemoryError::wraps);
  // A length that wraps back exactly onto the partition's start, the classic bypass of
  // `address + length <= end`.
  EXPECT_EQ(refused(UserSpan<std::byte>{at(&rw_memory), kMax}), UserMemoryError::wraps);
  EXPECT_EQ(refused(UserSpan<std::byte>{at(&rw_memory, 64), kMax - 63}), UserMemoryError::wraps);
  // A range whose last byte is the top address counts as wrapping (its end is 2^N); one byte
  // shorter it is inside the address space but nobody's: not a wrap, still refused.
  EXPECT_EQ(refused(UserSpan<std::byte>{kMax - 7, 8}), UserMemoryError::wraps);
  EXPECT_EQ(refused(UserSpan<std::byte>{kMax - 7, 7}), UserMemoryError::not_accessible);
}

TEST(UserMemory, PartlyOutsidePartitionRefused) {
  // Straddling the end: the last 4 bytes are the partition's, the next 4 are not.
  EXPECT_EQ(refused(UserSpan<std::uint32_t>{at(&rw_memory, 124), 2}), UserMemoryError::not_accessible);
  EXPECT_EQ(refused(UserSpan<std::byte>{at(&rw_memory), rw_memory.size() + 1}), UserMemoryError::not_accessible);
  // Starting right after the end.
  EXPECT_EQ(refused(UserSpan<std::byte>{at(&rw_memory, rw_memory.size()), 1}), UserMemoryError::not_accessible);
  // Straddling the start.
  EXPECT_EQ(refused(UserSpan<std::byte>{at(&rw_memory) - 1, 2}), UserMemoryError::not_accessible);
  // The device partition, by numbers.
  EXPECT_EQ(refused(UserSpan<std::uint32_t>{0x40100ffc, 2}), UserMemoryError::not_accessible);
  EXPECT_EQ(refused(UserSpan<std::uint32_t>{0x400ffffc, 2}), UserMemoryError::not_accessible);
}

TEST(UserMemory, PartlyOutsideStackRefused) {
  EXPECT_EQ(refused(UserSpan<std::uint64_t>{at(stack, sizeof stack - 8), 2}), UserMemoryError::not_accessible);
  EXPECT_EQ(refused(UserSpan<std::byte>{at(stack), sizeof stack + 1}), UserMemoryError::not_accessible);
  EXPECT_EQ(refused(UserSpan<std::byte>{at(stack) - 1, 4}), UserMemoryError::not_accessible);
  EXPECT_EQ(refused(UserSpan<std::byte>{at(stack, sizeof stack), 1}), UserMemoryError::not_accessible);
}

TEST(UserMemory, KernelMemoryRefused) {
  EXPECT_EQ(refused(UserSpan<const std::byte>{at(elsewhere), 1}), UserMemoryError::not_accessible);
  EXPECT_EQ(refused(UserSpan<std::uint32_t>{at(elsewhere, 32), 8}), UserMemoryError::not_accessible);
  EXPECT_EQ(refused(UserSpan<const char>{0, 1}), UserMemoryError::not_accessible);
  EXPECT_EQ(refused(UserSpan<const std::uint32_t>{0x40000000, 1}), UserMemoryError::not_accessible);
}

TEST(UserMemory, ZeroLengthAcceptedAnywhereAsAnEmptyView) {
  // No byte is named, so none can be outside; the kernel gets an empty span it cannot read from.
  accepted(UserSpan<std::byte>{at(&rw_memory), 0});
  accepted(UserSpan<std::uint32_t>{at(elsewhere), 0});
  accepted(UserSpan<const char>{0, 0});
  accepted(UserSpan<std::byte>{kMax, 0});
}

TEST(UserMemory, ReadOnlyPartitionReadableNotWritable) {
  accepted(UserSpan<const std::byte>{at(&ro_memory), ro_memory.size()});
  accepted(UserSpan<const std::uint32_t>{at(&ro_memory, 60), 1});
  EXPECT_EQ(refused(UserSpan<std::byte>{at(&ro_memory), 1}), UserMemoryError::not_accessible);
  EXPECT_EQ(refused(UserSpan<std::uint32_t>{at(&ro_memory, 60), 1}), UserMemoryError::not_accessible);
  EXPECT_EQ(refused(UserSpan<std::byte>{at(&ro_memory), ro_memory.size()}), UserMemoryError::not_accessible);
}

TEST(UserMemory, RangeOverTwoAdjacentPartitionsRefused) {
  ASSERT_EQ(at(&pair.first, pair.first.size()), at(&pair.second));
  // Each on its own is fine, and so is a range up to the seam from either side.
  accepted(UserSpan<std::byte>{at(&pair.first), 64});
  accepted(UserSpan<std::byte>{at(&pair.second), 64});
  // Every byte would be accessible, but no single partition (MPU region) holds the range.
  EXPECT_EQ(refused(UserSpan<std::byte>{at(&pair.first, 32), 64}), UserMemoryError::not_accessible);
  EXPECT_EQ(refused(UserSpan<std::uint32_t>{at(&pair.first, 60), 2}), UserMemoryError::not_accessible);
  EXPECT_EQ(refused(UserSpan<std::byte>{at(&pair.first), 128}), UserMemoryError::not_accessible);
}

TEST(UserMemory, NoDomainMeansStackOnly) {
  const UserMemoryMap stack_only{at(stack), sizeof stack, DomainView{nullptr, 0}};
  EXPECT_TRUE(stack_only.check(UserSpan<std::byte>{at(stack), 16}).has_value());
  EXPECT_FALSE(stack_only.check(UserSpan<std::byte>{at(&rw_memory), 16}).has_value());
}

TEST(UserMemory, UserSpanFromCallerBuffer) {
  // What the user side of a call sends: its buffer's address and element count.
  std::uint32_t words[3] = {};
  const UserSpan<std::uint32_t> s{std::span<std::uint32_t>{words}};
  EXPECT_EQ(s.address(), reinterpret_cast<std::uintptr_t>(words));
  EXPECT_EQ(s.count(), 3u);
  static_assert(UserSpan<std::uint32_t>::kWrite);
  static_assert(!UserSpan<const std::uint32_t>::kWrite);
}

}  // namespace
}  // namespace ward
