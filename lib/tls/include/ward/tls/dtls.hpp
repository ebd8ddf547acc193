// ward::tls::DtlsClient (docs/networking.md, "DTLS"): a DTLS 1.2 client over an lwIP UDP netconn, on
// Mbed TLS 3.6 with every cryptographic operation in the secure world, like ward::tls::Client.
// Only in images with CONFIG_WARD_TLS_DTLS (lib/tls/Kconfig), which link lib/tls's DTLS build.
//
// What a session always does, whatever the caller asks:
//   - DTLS 1.2 only (Mbed TLS 3.6 has no DTLS 1.3; an image whose policy asks for TLS 1.3 at least
//     refuses every DTLS connection: Error::invalid_argument), ECDHE-ECDSA with an AEAD only
//     (AES-256-GCM, ChaCha20-Poly1305, AES-128-GCM), no renegotiation;
//   - the image's TLS policy (ward/tls/policy.hpp): the server's chain verified against the
//     caller's anchors at the calendar time (no_time until set_time), the hostname sent as SNI
//     and checked against the certificate;
//   - a server's HelloVerifyRequest cookie is answered; lost handshake flights are sent again with
//     a timer doubling from handshake_min_ms up to handshake_max_ms, after which the handshake
//     fails (Error::timeout); the whole handshake also ends (Error::timeout) 4 x handshake_max_ms
//     after it began, however many HelloVerifyRequests the server sends: bounded;
//   - anti-replay on: a record whose sequence number was seen is dropped, as is any record that
//     fails authentication (RFC 6347: silently); datagrams from any other address or port never
//     reach Mbed TLS (a connected UDP netconn).
// Datagrams: write() sends one record, at most max_write() bytes, never split; read() returns one
// record's data (the rest of a record that did not fit is returned by the next read). Lost
// application data is not sent again: that is the application's protocol.
//
// Threads: as Client (Mbed TLS's heap is not locked): one thread for all of lib/tls.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "ward/tls/client.hpp"

namespace ward::tls {

struct DtlsOptions {
  std::span<const std::span<const std::uint8_t>> trust_anchors;  // DER; must outlive the client
  const ClientIdentity* identity = nullptr;  // sent when the server asks for a certificate
  std::uint32_t handshake_min_ms = 1'000;    // the first retransmission timeout
  std::uint32_t handshake_max_ms = 8'000;    // doubled up to this, then the handshake fails;
                                             // the whole handshake: at most 4 x this
  std::uint32_t timeout_ms = 10'000;         // per read() of application data
  std::uint16_t mtu = 1'200;                 // largest datagram sent (handshake fragments to it)
};

class DtlsClient {
 public:
  DtlsClient();
  ~DtlsClient();
  DtlsClient(const DtlsClient&) = delete;
  DtlsClient& operator=(const DtlsClient&) = delete;

  // Binds a UDP netconn, connects it to `address`:`port` and completes the DTLS 1.2 handshake with
  // `hostname` (SNI and the name the certificate must carry). On failure the client is closed.
  Status connect(const ip_addr& address, std::uint16_t port, std::string_view hostname,
                 const DtlsOptions& options);
  // Sends `data` as one record (one datagram); more than max_write() bytes: Error::invalid_argument.
  Result<std::size_t> write(std::span<const std::byte> data);
  // Receives at most data.size() bytes of one record's application data, at least one; waits at
  // most DtlsOptions::timeout_ms (Error::timeout).
  Result<std::size_t> read(std::span<std::byte> data);
  // Sends close_notify (best effort), frees everything.
  void close();

  bool is_open() const;
  std::size_t max_write() const;    // the largest write() of the open session (MTU, record limit)
  const char* ciphersuite() const;  // of the open session
  std::uint32_t verify_flags() const;  // after Error::certificate: MBEDTLS_X509_BADCERT_*
  int last_error() const;              // Mbed TLS's code of the last failure

  struct State;  // defined in lib/tls/src/dtls_client.cpp only

 private:
  Status handshake(const ip_addr& address, std::uint16_t port, const DtlsOptions& options);
  State& state();
  const State& state() const;
  static constexpr std::size_t kStateSize = 3072;
  alignas(8) std::byte storage_[kStateSize]{};
};

}  // namespace ward::tls
