// The dispatch fuzzer's storage, update and attestation services: every ITS/PS/FWU/attestation request answered PSA_ERROR_NOT_SUPPORTED. This
// fuzzer covers the dispatcher and the crypto handlers; the storage handlers and the flash format
// have their own fuzzer (tests/storage/fuzz_storage.cpp).
#include "ward/secure/service_handlers.hpp"

namespace ward::secure::storage {

psa_status_t handle_its(ClientId /*caller*/, std::int32_t /*type*/, InVecs /*in*/, OutVecs /*out*/,
                        std::span<std::size_t> /*out_written*/) {
  return PSA_ERROR_NOT_SUPPORTED;
}

psa_status_t handle_ps(ClientId /*caller*/, std::int32_t /*type*/, InVecs /*in*/, OutVecs /*out*/,
                       std::span<std::size_t> /*out_written*/) {
  return PSA_ERROR_NOT_SUPPORTED;
}

}  // namespace ward::secure::storage

// Firmware Update has its own fuzzer too (tests/secure_fwu/fuzz_fwu.cpp).
namespace ward::secure::fwu {

psa_status_t handle_request(ClientId /*caller*/, std::int32_t /*type*/, InVecs /*in*/, OutVecs /*out*/,
                            std::span<std::size_t> /*out_written*/) {
  return PSA_ERROR_NOT_SUPPORTED;
}

}  // namespace ward::secure::fwu

// Attestation: its request checks are tested from the attacker's side in tests/attest (hostile
// vector counts and sizes); the token it writes is decoded by ward-attest, which has its fuzzer.
namespace ward::secure::attest {

psa_status_t handle(ClientId /*caller*/, std::int32_t /*type*/, InVecs /*in*/, OutVecs /*out*/,
                    std::span<std::size_t> /*out_written*/) {
  return PSA_ERROR_NOT_SUPPORTED;
}

}  // namespace ward::secure::attest
