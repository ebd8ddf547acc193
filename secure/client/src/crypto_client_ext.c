/* The deprecated _ext variants of key generation and derivation output (Mbed TLS 3.6 psa/crypto.h).
 * C, not C++: psa/crypto.h declares them only for C, because psa_key_production_parameters_t ends
 * in a flexible array member. Each is its _custom successor (crypto_client.cpp) with the
 * parameters' flags and data split as the _custom form takes them. */
#include <psa/crypto.h>

psa_status_t psa_generate_key_ext(const psa_key_attributes_t* attributes, const psa_key_production_parameters_t* params,
                                  size_t params_data_length, mbedtls_svc_key_id_t* key) {
  if (params == NULL) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  const psa_custom_key_parameters_t custom = {params->flags};
  return psa_generate_key_custom(attributes, &custom, params->data, params_data_length, key);
}

psa_status_t psa_key_derivation_output_key_ext(const psa_key_attributes_t* attributes,
                                               psa_key_derivation_operation_t* operation,
                                               const psa_key_production_parameters_t* params,
                                               size_t params_data_length, mbedtls_svc_key_id_t* key) {
  if (params == NULL) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  const psa_custom_key_parameters_t custom = {params->flags};
  return psa_key_derivation_output_key_custom(attributes, operation, &custom, params->data, params_data_length, key);
}
