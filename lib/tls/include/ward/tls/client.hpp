// Ward's TLS client (docs/networking.md, "TLS"): TLS 1.3 and 1.2 on Mbed TLS 3.6 over an lwIP TCP
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
// The same class is a server session: Listener::accept (below) runs the server's handshake on a
// closed Client, after which write/read/close are the same.
//
// Threads: Mbed TLS's heap (heap 0, lib/tls/src/platform.cpp) is not locked, so every Client must be
// used from one thread at a time, and all Clients from the same thread. (The TLS sockets' workers
// each have a heap of their own: ward/tls/sockets.hpp.)
#pragma once
#include <cstddef>
#include <cstdint>
#include <atomic>
#include <span>
#include <string_view>

#include "ward/result.hpp"

struct ip_addr;  // lwIP's ip_addr_t
struct netconn;  // lwIP's connection (Listener)

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
// ward/net/sntp.hpp's start_sntp takes set_time as its sink: the time from SNTP.
void set_time(std::int64_t unix_seconds);
bool has_time();
// The calendar time now, as certificates are checked against it; 0 until set_time.
std::int64_t time_now();

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
  // A read() waits at most this long for its data, a write() at most this long for the peer to take
  // each piece; whatever the peer sends meanwhile (a byte at a time) does not extend it.
  std::uint32_t timeout_ms = 10'000;
  // The whole handshake, however the peer paces it: a peer that sends a byte now and then, each
  // within timeout_ms, is cut off here.
  std::uint32_t handshake_timeout_ms = 30'000;
  // Set by another thread (ward/tls/sockets.hpp: a socket closed, its thread aborted): every wait
  // for the peer ends within kCancelSliceMs and the call fails (Error::connection), the handshake
  // included. Null: none. Must outlive the Client's session.
  const std::atomic<bool>* cancel = nullptr;
};

// How often a wait for the peer looks at ClientOptions::cancel.
inline constexpr std::uint32_t kCancelSliceMs = 50;

inline constexpr std::size_t kMaxHostname = 253;

// Server mode (docs/networking.md, "TLS server"): the device accepts TLS connections on a Listener and
// authenticates itself with `identity` (its certificate and the secure world's key: the same pair a
// client presents; ward/tls/device_identity.hpp). With `require_client_certificate` the peer must
// present a certificate that verifies against `client_trust_anchors` (mutual TLS), else the
// handshake fails with Error::certificate; without it no certificate is asked for, and anchors
// given anyway are refused (Error::invalid_argument): a caller who passes anchors means to check.
// The rest is the client's hardening: TLS 1.2 minimum, AEAD + ECDHE suites only, no renegotiation;
// no session cache or tickets (nothing is kept between connections).
struct ServerOptions {
  const ClientIdentity* identity = nullptr;  // required; must outlive the session
  bool require_client_certificate = false;
  std::span<const std::span<const std::uint8_t>> client_trust_anchors;  // DER; must outlive the session
  Version min_version = Version::tls1_2;  // never below TLS 1.2
  Version max_version = Version::tls1_3;
  std::uint32_t timeout_ms = 10'000;            // as ClientOptions::timeout_ms
  std::uint32_t handshake_timeout_ms = 30'000;  // the whole handshake: a client that stalls it is cut off
};

class Listener;

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
  // The common name (CN) of the peer's verified certificate's subject, NUL-terminated in `out`;
  // returns its length. A server session with a client certificate required has one (who
  // connected: what device management authorises). No verified peer certificate, a subject without
  // exactly one CN, or a CN with a NUL inside: Error::certificate; a session not open:
  // Error::invalid_state; `out` too small: Error::invalid_argument.
  Result<std::size_t> peer_common_name(std::span<char> out) const;
  // After Error::certificate: Mbed TLS's MBEDTLS_X509_BADCERT_* flags (x509.h).
  std::uint32_t verify_flags() const;
  // Mbed TLS's (negative) return code of the last failure, for diagnostics.
  int last_error() const;

  struct State;  // Mbed TLS's contexts and the transport's; defined in lib/tls/src/client.cpp only

 private:
  friend class Listener;  // a server session is a Client whose handshake Listener::accept runs
  Status serve(struct netconn* conn, const ServerOptions& options);
  Status server_handshake(const ServerOptions& options);
  Status handshake(const ip_addr& address, std::uint16_t port, const ClientOptions& options);
  State& state();
  const State& state() const;
  static constexpr std::size_t kStateSize = 2560;
  alignas(8) std::byte storage_[kStateSize]{};
};

// A TCP listener on `port` (every local IPv4 address) whose connections become server sessions.
// One connection is taken at a time; the backlog is 1. Same thread rule as Client.
class Listener {
 public:
  Listener() = default;
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Checks `options` -- an identity whose certificate certifies its key (else Error::identity),
  // client anchors exactly when a client certificate is required, the versions -- before it
  // listens: a listener that could not complete a handshake never takes a connection. `options`
  // must outlive the Listener.
  Status listen(std::uint16_t port, const ServerOptions& options);
  // Waits at most `wait_ms` (0: forever) for a connection (Error::timeout), then runs the server
  // handshake on `session`, a Client that is not open. On any failure the connection is closed and
  // the listener keeps listening; the session's last_error()/verify_flags() say why.
  Status accept(Client& session, std::uint32_t wait_ms);
  void close();
  bool is_listening() const { return conn_ != nullptr; }

 private:
  struct netconn* conn_ = nullptr;
  const ServerOptions* options_ = nullptr;
};

// Peak use of the TLS heap since init(), in bytes (figures; 0 if not measured).
std::size_t heap_peak();
std::size_t heap_size();

}  // namespace ward::tls
