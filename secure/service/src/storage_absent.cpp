// Placeholder storage handlers while the storage service (branch `storage`) is not merged: every
// ITS/PS request is answered PSA_ERROR_NOT_SUPPORTED. Dropped from secure/CMakeLists.txt at merge,
// when secure/storage provides ward::secure::storage::handle_its/handle_ps.
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
