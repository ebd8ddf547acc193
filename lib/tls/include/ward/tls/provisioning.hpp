// Provisioning from a host, for development and tests (docs/networking.md, "Provisioning"): the device
// key's CSR goes to a host over TCP, and the host answers with the certificate it signed for it, a
// 2-byte big-endian length and then the DER (tools/ward-provision --serve, or a test's signer).
// A factory provisions a product on its line; nothing here is trusted: the answer is only bytes
// for store_device_certificate(), which refuses a certificate that is not the device key's.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "ward/tls/client.hpp"

namespace ward::tls {

struct ProvisioningHost {
  std::array<std::uint8_t, 4> ipv4;
  std::uint16_t port;
};

// The host's answer as it arrives in pieces: the 2-byte big-endian length, then exactly that many
// bytes into `out`. Portable (host-tested): the length is outside data.
class CertificateAnswer {
 public:
  explicit CertificateAnswer(std::span<std::uint8_t> out) : out_(out) {}

  // Takes one received piece; false once the answer is malformed: an empty or longer-than-`out`
  // announcement, or bytes beyond the announced length. Nothing past `out` is ever written.
  // A refused answer stays refused (and never complete).
  bool take(std::span<const std::uint8_t> bytes) {
    for (const std::uint8_t byte : bytes) {
      if (malformed_) {
        return false;
      }
      if (header_got_ < 2) {
        header_[header_got_++] = byte;
        if (header_got_ == 2) {
          expected_ = static_cast<std::size_t>(header_[0]) << 8 | header_[1];
          malformed_ = expected_ == 0 || expected_ > out_.size();
        }
      } else if (received_ < expected_) {
        out_[received_++] = byte;
      } else {
        malformed_ = true;
      }
    }
    return !malformed_;
  }

  bool complete() const { return !malformed_ && header_got_ == 2 && received_ == expected_; }
  std::span<const std::uint8_t> bytes() const { return out_.first(received_); }

 private:
  std::span<std::uint8_t> out_;
  std::uint8_t header_[2]{};
  std::size_t header_got_ = 0;
  std::size_t expected_ = 0;
  std::size_t received_ = 0;
  bool malformed_ = false;
};

// QEMU's user-mode network (slirp): its gateway is the host's 127.0.0.1.
inline constexpr std::array<std::uint8_t, 4> kSlirpHost{10, 0, 2, 2};

// Sends `csr_pem` to `host` and reads the answer into `out`: the certificate's bytes. Bounded: 20 s
// per send and receive, at most 64 pieces each way. Refused (connection, timeout) if the host does
// not answer, and invalid_argument if it announces an empty answer, one larger than `out`, or sends
// more than it announced.
Result<std::span<const std::uint8_t>> request_certificate(std::string_view csr_pem, ProvisioningHost host,
                                                          std::span<std::uint8_t> out);

}  // namespace ward::tls
