// The host port has no memory protection unit. Its memory domains follow the Cortex-M port's
// rules all the same, so that a domain tested on the host also builds for the target, and the
// host's layout tests see the same refusals.
#pragma once
#include "../../../../arm/include/ward/arch/memory_protection.hpp"
