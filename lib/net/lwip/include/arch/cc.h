/* lwIP's compiler and platform port for Ward (arm-none-eabi with newlib, and the host's glibc). */
#ifndef WARD_LWIP_ARCH_CC_H
#define WARD_LWIP_ARCH_CC_H

#include <stdlib.h>

#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_TIMEVAL_PRIVATE 0
/* The C library's own rand() is never used: LWIP_RAND is Ward's (lwipopts.h). */

/* A failed assertion in lwIP is a broken invariant of the stack: Ward panics with where it was
 * (sys_arch.cpp). Diagnostics are off (LWIP_DEBUG is not defined). */
void ward_lwip_assert(const char* message, const char* file, int line);
#define LWIP_PLATFORM_ASSERT(x) ward_lwip_assert((x), __FILE__, __LINE__)
#define LWIP_PLATFORM_DIAG(x) \
  do {                        \
  } while (0)

#endif /* WARD_LWIP_ARCH_CC_H */
