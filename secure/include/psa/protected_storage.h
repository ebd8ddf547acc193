/* PSA Certified Secure Storage API 1.0: Protected Storage (PS). Plain C.
 *
 * Like ITS, plus replay protection: the data may live in flash an attacker can read and rewrite,
 * so each object carries a version whose authoritative copy is kept in ITS, and restoring an older
 * copy of the flash is reported as PSA_ERROR_DATA_CORRUPT. psa_ps_create / psa_ps_set_extended are
 * supported (psa_ps_get_support() returns PSA_STORAGE_SUPPORT_SET_EXTENDED); they let a client
 * build an object bigger than one call can carry. */
#ifndef PSA_PROTECTED_STORAGE_H
#define PSA_PROTECTED_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include <psa/error.h>
#include <psa/storage_common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PSA_PS_API_VERSION_MAJOR 1
#define PSA_PS_API_VERSION_MINOR 0

psa_status_t psa_ps_set(psa_storage_uid_t uid, size_t data_length, const void* p_data,
                        psa_storage_create_flags_t create_flags);

psa_status_t psa_ps_get(psa_storage_uid_t uid, size_t data_offset, size_t data_size, void* p_data,
                        size_t* p_data_length);

psa_status_t psa_ps_get_info(psa_storage_uid_t uid, struct psa_storage_info_t* p_info);

psa_status_t psa_ps_remove(psa_storage_uid_t uid);

/* Reserves `capacity` bytes for a new, empty (size 0) object. PSA_ERROR_ALREADY_EXISTS if uid
 * exists; PSA_ERROR_NOT_SUPPORTED with PSA_STORAGE_FLAG_WRITE_ONCE (an empty object that can never
 * be written is useless); PSA_ERROR_INVALID_ARGUMENT for uid 0 or a capacity of 0. */
psa_status_t psa_ps_create(psa_storage_uid_t uid, size_t capacity,
                           psa_storage_create_flags_t create_flags);

/* Writes data_length bytes at data_offset, without leaving gaps: requires
 * data_offset <= size and data_offset + data_length <= capacity (else
 * PSA_ERROR_INVALID_ARGUMENT); afterwards size = max(size, data_offset + data_length). */
psa_status_t psa_ps_set_extended(psa_storage_uid_t uid, size_t data_offset, size_t data_length,
                                 const void* p_data);

/* The optional features implemented (PSA_STORAGE_SUPPORT_SET_EXTENDED). */
uint32_t psa_ps_get_support(void);

#ifdef __cplusplus
}
#endif

#endif /* PSA_PROTECTED_STORAGE_H */
