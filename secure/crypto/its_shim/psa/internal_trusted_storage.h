/* For Mbed TLS's own sources in the SPE build only (cmake/WardMbedTLS.cmake puts this directory
 * first on ward_mbedtls_spe's include path): without MBEDTLS_PSA_ITS_FILE_C, psa_crypto_storage.c
 * includes the platform's psa/internal_trusted_storage.h. The crypto partition does not call the
 * ITS client API but its own storage functions (ward_crypto_its_*, renamed by crypto_spe.h), whose
 * prototypes are Mbed TLS's (library/psa_crypto_its.h, uint32_t lengths), so that is what it gets
 * here, whatever the public ITS header (size_t lengths) declares. */
#ifndef WARD_SPE_ITS_SHIM_H
#define WARD_SPE_ITS_SHIM_H
#include "psa_crypto_its.h"
#endif
