// The per-service handlers the dispatcher routes to. Same vector types as dispatch(); the
// dispatcher has already checked the vector counts against PSA_MAX_IOVEC and zeroed out_written.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include <psa/error.h>

#include "ward/secure/identity.hpp"

namespace ward::secure {

using InVecs = std::span<const std::span<const std::byte>>;
using OutVecs = std::span<const std::span<std::byte>>;

namespace crypto {
// secure/crypto/src/service.cpp (`account`: see dispatch())
psa_status_t handle(ClientId caller, ClientId account, std::int32_t type, InVecs in, OutVecs out, std::span<std::size_t> out_written);
}  // namespace crypto

namespace storage {
// The storage engine's handlers (secure/storage, branch `storage`; declared identically there).
// Until it is merged, secure/service/src/storage_absent.cpp answers PSA_ERROR_NOT_SUPPORTED.
psa_status_t handle_its(ClientId caller, std::int32_t type, InVecs in, OutVecs out, std::span<std::size_t> out_written);
psa_status_t handle_ps(ClientId caller, std::int32_t type, InVecs in, OutVecs out, std::span<std::size_t> out_written);
}  // namespace storage

namespace fwu {
// secure/fwu/src/handler.cpp: the Firmware Update service's instance (PSA_ERROR_BAD_STATE if the
// image has none).
psa_status_t handle_request(ClientId caller, std::int32_t type, InVecs in, OutVecs out,
                            std::span<std::size_t> out_written);
}  // namespace fwu

namespace attest {
// secure/attest/src/service.cpp: PSA Initial Attestation.
psa_status_t handle(ClientId caller, std::int32_t type, InVecs in, OutVecs out, std::span<std::size_t> out_written);
}  // namespace attest

}  // namespace ward::secure
