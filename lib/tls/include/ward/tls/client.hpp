// Ward's TLS client (docs/network.md, "TLS"): TLS 1.3 and 1.2 on Mbed TLS 3.6 over an lwIP TCP
// netconn, with every cryptographic operation in the secure world (PSA Crypto client).
//
// What a connection always does, whatever the caller asks (the hardened defaults of issue 16; the
// image's Kconfig may raise the minimum to TLS 1.3, or, outside production builds, turn off the
// verification or the hostname check: ward/tls/policy.hpp):
//   - TLS 1.2 at least (nothing older is compiled), AEAD suites with ECDHE only, no renegotiation;
//   - the server's chain must verify against the trust anchors the caller gives (DER certificates,
//     meant to be compiled into the signed image), within their validity periods at the time given
//     by set_time() -- until that is called every connection is refused with Error::no_time;
//   - the hostname is sent as SNI and must match the server certificate's names.
//
// Mbed TLS's configuration stays inside lib/tls (lib/tls/config): a Client is opaque storage here,
// so no caller compiles Mbed TLS's structures under a different configuration.
//
// Threads: Mbed TLS's heap (lib/tls/src/platform.cpp) is not locked, so every Client must be used
// from one thread at a time, and all Clients from the same thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "ward/result.hpp"

struct ip_addr;  // lwIP's ip_addr_t

namespace ward::tls {

enum class Error : std::uint16_t {
  not_initialised = 1,  // init() was not called, or failed
  no_time,              // no calendar time yet (set_time): certificate validity cannot be checked
  invalid_argument,     // a hostname empty or too long, no trust anchor, a bad anchor, ...
  invalid_state,        // connect() on an open Client, read/write on a closed one
  no_resources,         // Mbed TLS's heap or lwIP's memory ran out
  connection,           // TCP refused, reset or closed without close_notify
  timeout,              // the peer did not answer within the timeout
  certificate,          // the chain did not verify or the name did not match (verify_flags())
  handshake,            // any other handshake failure: protocol version, suites, an alert
  record,               // a record failed authentication or was malformed
  closed,               // the peer ended the session cleanly (close_notify)
  identity,             // the client certificate is unusable or not the device key's (ClientIdentity)
  storage,              // protected storage failed, or holds no device certificate yet
};
// The error's name, for logs and test reports ("certificate", "timeout", ...).
const char* error_name(Error e);

template <class T>
using Result = base::Result<T, Error>;
using Status = Result<void>;
using base::fail;

enum class Version : std::uint8_t { tls1_2, tls1_3 };

// Once, before any Client: the secure world's crypto (psa_crypto_init) and Mbed TLS's heap.
Status init();

// The calendar time, seconds since 1970-01-01 UTC, from a source the application trusts; it then
// advances with the kernel clock. Certificates' validity periods are checked against it.
void set_time(std::int64_t unix_seconds);
bool has_time();

// Client authentication (mutual TLS; ward/tls/device_identity.hpp makes and keeps both parts): a
// certificate and the secure world's key it certifies. The private key is a PSA key id only: its
// signatures (TLS 1.3 CertificateVerify, TLS 1.2 CertificateVerify) are psa_sign_hash calls, and it
// never exists in this image's memory. connect() refuses (Error::identity) a certificate whose
// public key is not the key's, before any byte is sent.
struct ClientIdentity {
  std::span<const std::uint8_t> certificate;  // DER; must outlive the Client
  std::uint32_t key_id = 0;                   // psa_key_id_t of an ECDSA key with SIGN_HASH
};

struct ClientOptions {
  std::span<const std::span<const std::uint8_t>> trust_anchors;  // DER; must outlive the Client
  const ClientIdentity* identity = nullptr;  // sent when the server asks for a certificate
  Version min_version = Version::tls1_2;  // never below the image's policy (TLS 1.2 or 1.3)
  Version max_version = Version::tls1_3;
  std::uint32_t timeout_ms = 10'000;  // per read of the peer (handshake and records)
};

inline constexpr std::size_t kMaxHostname = 253;

class Client {
 public:
  Client();
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Connects over TCP to `address`:`port` and completes the handshake with `hostname` (SNI and
  // the name the certificate must carry). On failure the Client is closed again.
  Status connect(const ip_addr& address, std::uint16_t port, std::string_view hostname,
                 const ClientOptions& options);
  // Sends all of `data` (in records of at most 4 KiB); returns its size.
  Result<std::size_t> write(std::span<const std::byte> data);
  // Receives at most data.size() bytes of application data, at least one.
  Result<std::size_t> read(std::span<std::byte> data);
  // Sends close_notify (best effort), closes the TCP connection, frees everything.
  void close();

  bool is_open() const;
  Version version() const;          // of the open session
  const char* ciphersuite() const;  // its IANA name, as Mbed TLS spells it
  // After Error::certificate: Mbed TLS's MBEDTLS_X509_BADCERT_* flags (x509.h).
  std::uint32_t verify_flags() const;
  // Mbed TLS's (negative) return code of the last failure, for diagnostics.
  int last_error() const;

  struct State;  // Mbed TLS's contexts and the transport's; defined in lib/tls/src/client.cpp only

 private:
  Status handshake(const ip_addr& address, std::uint16_t port, const ClientOptions& options);
  State& state();
  const State& state() const;
  static constexpr std::size_t kStateSize = 2560;
  alignas(8) std::byte storage_[kStateSize]{};
};

// Peak use of the TLS heap since init(), in bytes (figures; 0 if not measured).
std::size_t heap_peak();
std::size_t heap_size();

}  // namespace ward::tls
