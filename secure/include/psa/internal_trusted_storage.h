/* PSA Certified Secure Storage API 1.0: Internal Trusted Storage (ITS). Plain C.
 *
 * Entries live in the secure side's own flash, encrypted and authenticated under a key derived from
 * the hardware-unique key; each caller sees only its own uids. One call carries at most the secure
 * side's copy-in limit (4 KiB on the target): bigger values are refused with
 * PSA_ERROR_INVALID_ARGUMENT (see secure/storage/README.md for the limits). */
#ifndef PSA_INTERNAL_TRUSTED_STORAGE_H
#define PSA_INTERNAL_TRUSTED_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include <psa/error.h>
#include <psa/storage_common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PSA_ITS_API_VERSION_MAJOR 1
#define PSA_ITS_API_VERSION_MINOR 0

/* Creates the entry `uid` or replaces its data. PSA_ERROR_NOT_PERMITTED if it exists and was
 * created with PSA_STORAGE_FLAG_WRITE_ONCE; PSA_ERROR_NOT_SUPPORTED for unknown flags;
 * PSA_ERROR_INVALID_ARGUMENT for uid 0 or a null p_data with a non-zero length;
 * PSA_ERROR_INSUFFICIENT_STORAGE when the quota or the flash is full. */
psa_status_t psa_its_set(psa_storage_uid_t uid, size_t data_length, const void* p_data,
                         psa_storage_create_flags_t create_flags);

/* Copies up to data_size bytes starting at data_offset into p_data; *p_data_length receives the
 * number copied. PSA_ERROR_INVALID_ARGUMENT if data_offset is beyond the entry's size. */
psa_status_t psa_its_get(psa_storage_uid_t uid, size_t data_offset, size_t data_size, void* p_data,
                         size_t* p_data_length);

psa_status_t psa_its_get_info(psa_storage_uid_t uid, struct psa_storage_info_t* p_info);

/* PSA_ERROR_NOT_PERMITTED for a WRITE_ONCE entry. */
psa_status_t psa_its_remove(psa_storage_uid_t uid);

#ifdef __cplusplus
}
#endif

#endif /* PSA_INTERNAL_TRUSTED_STORAGE_H */
