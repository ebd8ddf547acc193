// expect-error: a partition's base and size must be multiples of the MPU's granularity
#include "ward/kernel/memory_domain.hpp"

constexpr ward::Domain domain{ward::Partition::device(0x40000000, 0x30, ward::Access::read_write)};
