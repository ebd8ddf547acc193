/* The deprecated _ext variants, which psa/crypto.h declares only for C (a flexible array member),
 * called from C as an application would; multipart_test.cpp checks the answers. */
#include <psa/crypto.h>

#include <string.h>

#include "ext_variants.h"

void ward_test_ext_variants(psa_status_t out[4], mbedtls_svc_key_id_t derive_key) {
  psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&attributes, PSA_KEY_TYPE_HMAC);
  psa_set_key_bits(&attributes, 256);
  psa_set_key_usage_flags(&attributes, PSA_KEY_USAGE_SIGN_MESSAGE);
  psa_set_key_algorithm(&attributes, PSA_ALG_HMAC(PSA_ALG_SHA_256));
  /* Default parameters: flags 0, no data. Then a flag no key type takes. */
  union {
    psa_key_production_parameters_t params;
    uint8_t bytes[sizeof(psa_key_production_parameters_t) + 4];
  } p;
  memset(&p, 0, sizeof p);
  mbedtls_svc_key_id_t key = PSA_KEY_ID_NULL;
  out[0] = psa_generate_key_ext(&attributes, &p.params, 0, &key);
  (void)psa_destroy_key(key);
  p.params.flags = 1;
  out[1] = psa_generate_key_ext(&attributes, &p.params, 0, &key);

  psa_key_derivation_operation_t op = PSA_KEY_DERIVATION_OPERATION_INIT;
  (void)psa_key_derivation_setup(&op, PSA_ALG_HKDF(PSA_ALG_SHA_256));
  (void)psa_key_derivation_input_key(&op, PSA_KEY_DERIVATION_INPUT_SECRET, derive_key);
  (void)psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_INFO, (const uint8_t*)"i", 1);
  p.params.flags = 0;
  key = PSA_KEY_ID_NULL;
  out[2] = psa_key_derivation_output_key_ext(&attributes, &op, &p.params, 0, &key);
  (void)psa_destroy_key(key);
  out[3] = psa_key_derivation_output_key_ext(&attributes, &op, &p.params, 4, &key); /* data an HMAC key does not take */
  (void)psa_key_derivation_abort(&op);
}
