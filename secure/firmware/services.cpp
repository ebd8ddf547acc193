// Bring-up of the secure services (storage, crypto) before the non-secure world starts.
#include <psa/error.h>

#include "ward/secure/dispatch.hpp"

namespace ward::secure {

void start_services() {}

// TEMPORARY (bring-up of the TrustZone split only): replaced by the service dispatcher.
psa_status_t dispatch(ClientId, std::uint32_t, std::int32_t, std::span<const std::span<const std::byte>>,
                      std::span<const std::span<std::byte>>, std::span<std::size_t>) {
  return PSA_ERROR_NOT_SUPPORTED;
}

}  // namespace ward::secure
