/* ext_variants.c: the _ext variants of psa/crypto.h, called from C. */
#ifndef WARD_TEST_EXT_VARIANTS_H
#define WARD_TEST_EXT_VARIANTS_H
#include <psa/crypto.h>
#ifdef __cplusplus
extern "C" {
#endif
/* out: generate_key_ext default, with flag 1, output_key_ext default, with 4 bytes of data. */
void ward_test_ext_variants(psa_status_t out[4], mbedtls_svc_key_id_t derive_key);
#ifdef __cplusplus
}
#endif
#endif
