/* PSA Certified Secure Storage API 1.0: the definitions shared by Internal Trusted Storage and
 * Protected Storage (psa/internal_trusted_storage.h, psa/protected_storage.h). Plain C, so code
 * written for TF-M or Zephyr compiles unchanged. */
#ifndef PSA_STORAGE_COMMON_H
#define PSA_STORAGE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <psa/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Flags given when an entry is created (a bit mask). */
typedef uint32_t psa_storage_create_flags_t;

/* Identifies an entry within the caller's own namespace; 0 is never a valid uid. */
typedef uint64_t psa_storage_uid_t;

/* Metadata of an entry (psa_its_get_info / psa_ps_get_info). */
struct psa_storage_info_t {
  size_t capacity;                  /* bytes reserved for the entry */
  size_t size;                      /* bytes of data currently stored */
  psa_storage_create_flags_t flags; /* the flags the entry was created with */
};
typedef struct psa_storage_info_t psa_storage_info_t;

#define PSA_STORAGE_FLAG_NONE 0u
/* The entry can never be modified or removed. */
#define PSA_STORAGE_FLAG_WRITE_ONCE (1u << 0)
/* The data is public: the implementation may store it without encryption (never without
 * integrity). */
#define PSA_STORAGE_FLAG_NO_CONFIDENTIALITY (1u << 1)
/* Protected Storage need not detect an older copy of this entry being restored. */
#define PSA_STORAGE_FLAG_NO_REPLAY_PROTECTION (1u << 2)

/* psa_ps_get_support(): psa_ps_create and psa_ps_set_extended are implemented. */
#define PSA_STORAGE_SUPPORT_SET_EXTENDED (1u << 0)

#ifdef __cplusplus
}
#endif

#endif /* PSA_STORAGE_COMMON_H */
