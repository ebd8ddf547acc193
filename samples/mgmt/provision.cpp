// The TLS build's device identity (provision.hpp).
#include "provision.hpp"

#include "ward/print.hpp"
#include "ward/tls/provisioning.hpp"

namespace mgmt_sample {
namespace {
using namespace ward;

alignas(4) char csr[1024];

}  // namespace

tls::Result<std::span<const std::uint8_t>> device_certificate(const char* subject, std::uint16_t prov_port,
                                                             std::span<std::uint8_t> storage) {
  if (auto cert = tls::load_device_certificate(storage); cert || prov_port == 0) {
    return cert;
  }
  if (auto key = tls::ensure_device_key(); !key) {
    return base::fail(key.error());
  }
  auto pem = tls::device_csr(subject, csr);
  if (!pem) {
    return base::fail(pem.error());
  }
  auto answer = tls::request_certificate({csr, *pem}, {tls::kSlirpHost, prov_port}, storage);
  if (!answer) {
    print("mgmt: no certificate from the provisioning host (", tls::error_name(answer.error()), ")\n");
    return base::fail(answer.error());
  }
  if (auto stored = tls::store_device_certificate(*answer); !stored) {
    return base::fail(stored.error());
  }
  print("mgmt: device certificate provisioned\n");
  return tls::load_device_certificate(storage);
}

}  // namespace mgmt_sample
