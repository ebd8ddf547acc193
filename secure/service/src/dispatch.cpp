// The dispatcher (see ward/secure/dispatch.hpp).
#include "ward/secure/dispatch.hpp"

#include <ward/secure/call.h>

#include "ward/secure/service_handlers.hpp"

namespace ward::secure {

psa_status_t dispatch(ClientId caller, ClientId account, std::uint32_t service, std::int32_t type,
                      std::span<const std::span<const std::byte>> in, std::span<const std::span<std::byte>> out,
                      std::span<std::size_t> out_written) {
  // Lengths first, so that no handler ever sees an inconsistent call, whatever the transport did.
  for (auto& written : out_written) {
    written = 0;
  }
  if (in.size() > PSA_MAX_IOVEC || out.size() > PSA_MAX_IOVEC || out_written.size() != out.size()) {
    return PSA_ERROR_PROGRAMMER_ERROR;
  }
  // Identity 0 is no one: every key and storage entry belongs to a real client, and Mbed TLS's
  // key owner 0 would put a key uid in the range reserved for the service's own entries.
  if (raw(caller) == 0 || raw(account) == 0) {
    return PSA_ERROR_NOT_PERMITTED;
  }
  switch (service) {
    case WARD_SERVICE_CRYPTO:
      return crypto::handle(caller, account, type, in, out, out_written);
    case WARD_SERVICE_ITS:
      return storage::handle_its(caller, type, in, out, out_written);
    case WARD_SERVICE_PS:
      return storage::handle_ps(caller, type, in, out, out_written);
    case WARD_SERVICE_FWU:
      return fwu::handle_request(caller, type, in, out, out_written);
    case WARD_SERVICE_ATTEST:
      return attest::handle(caller, type, in, out, out_written);
    default:
      return PSA_ERROR_CONNECTION_REFUSED;
  }
}

}  // namespace ward::secure
