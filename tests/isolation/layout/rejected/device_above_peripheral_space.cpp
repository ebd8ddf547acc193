// expect-error: a device partition must lie inside the device space
#include "ward/kernel/memory_domain.hpp"

// REGRESSION (fixed bug) (memory_domain.hpp, Partition::device): `size > kPeripheralEnd - base` wraps when the
// base is above the peripheral space, so these compile. 0x60000000-0xDFFFFFFF is external memory
// and devices (Armv8-M default map); 0xE0000000 up is the system space.
constexpr ward::Domain domain{ward::Partition::device(0x70000000, 0x100, ward::Access::read_write),
                              ward::Partition::device(0xE000ED00, 0x100, ward::Access::read_write)};
