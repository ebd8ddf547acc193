// The few C and C++ runtime hooks a freestanding image needs. There is no heap in Ward's kernel:
// anything that would reach operator new/delete or abort() is a bug, reported as a panic.
#include <cstddef>

#include "ward/panic.hpp"

extern "C" {
void* __dso_handle = nullptr;

[[noreturn]] void __cxa_pure_virtual() { ward::panic("pure virtual function called"); }

[[noreturn]] void abort() { ward::panic("abort() called"); }
}

void operator delete(void*) noexcept { ward::panic("operator delete called (no heap)"); }
void operator delete(void*, std::size_t) noexcept { ward::panic("operator delete called (no heap)"); }
