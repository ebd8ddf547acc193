// The few C and C++ runtime hooks a freestanding image needs. There is no heap in Ward's kernel:
// anything that would reach operator new/delete or abort() is a bug, reported as a panic.
#include <cstddef>

#include "ward/panic.hpp"

extern "C" {
void* __dso_handle = nullptr;

[[noreturn]] void __cxa_pure_virtual() { ward::panic("pure virtual function called"); }

[[noreturn]] void abort() { ward::panic("abort() called"); }
}

// Virtual destructors refer to operator delete (their deleting variants), so it must exist. There
// is deliberately no operator new: an allocation anywhere then fails to link.
// NOLINTNEXTLINE(cert-dcl54-cpp): no operator new on purpose: an allocation fails to link
void operator delete(void*) noexcept { ward::panic("operator delete called (no heap)"); }
// The sized variant jumps to the other (one panic call and message, not two).
void operator delete(void* p, std::size_t) noexcept { ::operator delete(p); }
