/* Input and output vectors of a call into the secure side, with the names and layout of the PSA
 * Firmware Framework (psa_invec / psa_outvec). Plain C. */
#ifndef PSA_CLIENT_H
#define PSA_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <psa/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The most vectors one call carries in each direction (as in the Firmware Framework). */
#define PSA_MAX_IOVEC (4u)

typedef struct psa_invec {
  const void* base;
  size_t len;
} psa_invec;

typedef struct psa_outvec {
  void* base;
  size_t len; /* in: capacity; out (after ward_psa_call): bytes written */
} psa_outvec;

#ifdef __cplusplus
}
#endif

#endif /* PSA_CLIENT_H */
