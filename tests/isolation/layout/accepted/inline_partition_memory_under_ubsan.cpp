// expect: compiles
// flags: -fsanitize=undefined
// REGRESSION (fixed bug) (portability; memory_domain.hpp, Partition::overlaps and Partition::is_device tell a
// memory partition from a device one by comparing its object's address with nullptr): GCC cannot
// evaluate `&object != nullptr` at compile time for an `inline` variable (a COMDAT symbol) when
// null-pointer checks are kept, which -fsanitize=undefined implies (as does
// -fno-delete-null-pointer-checks). So in the host-asan preset a domain of two or more partitions
// over an inline PartitionMemory -- the natural way to declare one in a header -- does not
// compile ("... is not a constant expression"). Plain and static variables are fine.
#include "ward/kernel/memory_domain.hpp"

inline ward::PartitionMemory<64> memory;
constexpr ward::Domain domain{ward::Partition::of(memory, ward::Access::read_write),
                              ward::Partition::device(0x40000000, 0x20, ward::Access::read)};
