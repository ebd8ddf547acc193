// expect: compiles
// A layout that uses every rule up to its limit; it must compile, so a broken driver or include
// path cannot make the rejected cases pass.
#include "ward/kernel/memory_domain.hpp"

namespace {
ward::PartitionMemory<32> smallest;  // one granule
ward::PartitionMemory<96> odd_granules;  // no power-of-two padding
ward::PartitionMemory<64> code;
ward::PartitionMemory<32> m[7];

// The first and the last granule of the peripheral space, touching neighbours that do not
// overlap, the whole peripheral space at once, and 13 partitions in one domain.
constexpr ward::Domain<13> full{
    ward::Partition::of(smallest, ward::Access::read),
    ward::Partition::of(odd_granules, ward::Access::read_write),
    ward::Partition::of(code, ward::Access::read_execute),
    ward::Partition::device(0x40000000, 0x20, ward::Access::read_write),
    ward::Partition::device(0x40000020, 0x20, ward::Access::read),
    ward::Partition::device(0x5FFFFFE0, 0x20, ward::Access::read_write),
    ward::Partition::of(m[0], ward::Access::read_write),
    ward::Partition::of(m[1], ward::Access::read_write),
    ward::Partition::of(m[2], ward::Access::read_write),
    ward::Partition::of(m[3], ward::Access::read_write),
    ward::Partition::of(m[4], ward::Access::read_write),
    ward::Partition::of(m[5], ward::Access::read_write),
    ward::Partition::of(m[6], ward::Access::read_write)};
constexpr ward::Domain whole_peripheral_space{ward::Partition::device(0x40000000, 0x20000000, ward::Access::read_write)};
// The same memory in two domains is fine (sharing is what partitions are for).
constexpr ward::Domain other{ward::Partition::of(odd_granules, ward::Access::read)};
static_assert(full.count == 13 && whole_peripheral_space.count == 1 && other.count == 1);
}  // namespace
