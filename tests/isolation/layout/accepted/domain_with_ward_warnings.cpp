// expect: compiles
// flags: -Wall -Wextra -Werror
// REGRESSION (fixed bug) (memory_domain.hpp, Domain's constructor): the base DomainView is initialised with
// storage_.data() before the member storage_ exists; GCC 12's -Wuninitialized (in -Wall) reports
// it, so under Ward's own flags (-Wall -Werror) no translation unit can declare a Domain.
#include "ward/kernel/memory_domain.hpp"

ward::PartitionMemory<64> memory;
constexpr ward::Domain domain{ward::Partition::of(memory, ward::Access::read_write)};
