// expect-error: a partition cannot be both writable and executable
#include "ward/kernel/memory_domain.hpp"

ward::PartitionMemory<64> memory;
// read | write | execute, which the enum deliberately has no name for.
constexpr ward::Domain domain{ward::Partition::of(memory, static_cast<ward::Access>(7))};
