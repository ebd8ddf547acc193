// The test application's static description (see user_world.hpp).
#include "user_world.hpp"

namespace ward::isotest {

PartitionMemory<256> shared;
PartitionMemory<64> constants;
namespace {
constexpr Domain domain{Partition::of(shared, Access::read_write), Partition::of(constants, Access::read)};
}  // namespace
const DomainView& app = domain;

UserStack stack_a;
UserStack stack_b;
UserStack stack_p;
Thread user_a;
Thread user_b;
Thread privileged;

alignas(32) std::byte kernel_data[64];

}  // namespace ward::isotest
