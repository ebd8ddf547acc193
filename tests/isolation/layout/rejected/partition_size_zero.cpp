// expect-error: a partition's size must be a non-zero multiple of 32 bytes
#include "ward/kernel/memory_domain.hpp"

ward::PartitionMemory<0> memory;
