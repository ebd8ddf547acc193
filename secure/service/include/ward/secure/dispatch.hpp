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
// an error never reports stale lengths. A caller or account of 0 (no one) is refused with
// PSA_ERROR_NOT_PERMITTED, an unknown service with PSA_ERROR_CONNECTION_REFUSED.
// `account` is whose quota what the call creates counts against (the crypto service's volatile keys
// and operations): the caller's own, or, for the non-secure kernel's call made for one of its user
// threads (gateway.h, WARD_SPE_ACCOUNT_MASK), that thread's. It changes no ownership: the keys and
// operations are the caller's. The second form is the caller's own account.
psa_status_t dispatch(ClientId caller, ClientId account, std::uint32_t service, std::int32_t type,
                      std::span<const std::span<const std::byte>> in, std::span<const std::span<std::byte>> out,
                      std::span<std::size_t> out_written);
inline psa_status_t dispatch(ClientId caller, std::uint32_t service, std::int32_t type,
                             std::span<const std::span<const std::byte>> in, std::span<const std::span<std::byte>> out,
                             std::span<std::size_t> out_written) {
  return dispatch(caller, caller, service, type, in, out, out_written);
}

}  // namespace ward::secure
