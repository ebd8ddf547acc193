// The device identity of samples/mgmt's TLS build (mgmt_tls): the device key (opaque, in the
// secure world) and its certificate in PSA Protected Storage. At a boot that finds no certificate,
// and when the command line names a provisioning port (--prov=P), the key's CSR goes to the host
// (slirp's 10.0.2.2:P, tools/ward-provision or a test's signer), which answers with the
// certificate: a 2-byte big-endian length, then the DER. A development and test convenience: a
// factory provisions a product on its line.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "ward/tls/client.hpp"
#include "ward/tls/device_identity.hpp"

namespace mgmt_sample {

// The device's certificate, loaded (and provisioned first if needed) into `storage`.
ward::tls::Result<std::span<const std::uint8_t>> device_certificate(const char* subject, std::uint16_t prov_port,
                                                                    std::span<std::uint8_t> storage);

}  // namespace mgmt_sample
