// expect-error: a partition's size must be a non-zero multiple of the MPU's granularity
#include "ward/kernel/memory_domain.hpp"

ward::PartitionMemory<40> memory;
