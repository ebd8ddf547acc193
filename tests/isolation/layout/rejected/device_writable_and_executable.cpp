// expect-error: a partition cannot be both writable and executable
#include "ward/kernel/memory_domain.hpp"

constexpr ward::Domain domain{ward::Partition::device(0x40000000, 0x100, static_cast<ward::Access>(7))};
