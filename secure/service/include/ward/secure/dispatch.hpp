// The secure side's single entry point: every call from a client (through the NSC veneer on
// target, through the host transport in tests) arrives here with the caller's identity, which the
// secure side determined itself, and with vectors that are already secure copies.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include <psa/client.h>

#include "ward/secure/identity.hpp"

namespace ward::secure {

// Routes `service` (WARD_SERVICE_CRYPTO / ITS / PS / FWU) to its handler. At most PSA_MAX_IOVEC vectors
// each way; out_written has one entry per output vector and is zeroed before any handler runs, so
// an error never reports stale lengths. A caller of 0 (no one) is refused with
// PSA_ERROR_NOT_PERMITTED, an unknown service with PSA_ERROR_CONNECTION_REFUSED.
psa_status_t dispatch(ClientId caller, std::uint32_t service, std::int32_t type,
                      std::span<const std::span<const std::byte>> in, std::span<const std::span<std::byte>> out,
                      std::span<std::size_t> out_written);

}  // namespace ward::secure
