// ward::tls::Client (ward/tls/client.hpp): Mbed TLS 3.6's client over an lwIP TCP netconn.
//
// The transport is two callbacks (Mbed TLS's "BIO"): send writes through netconn_write_partly, receive
// hands out the pbuf chain lwIP delivered, keeping what Mbed TLS did not take for the next call. Both
// block, bounded by the netconn's receive timeout, so Mbed TLS never returns WANT_READ/WANT_WRITE
// from them. Every cryptographic step is Mbed TLS's PSA path (MBEDTLS_USE_PSA_CRYPTO) into the
// secure world.
#include "ward/tls/client.hpp"

#include <psa/crypto.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <new>

#include "mbedtls/net_sockets.h"  // the MBEDTLS_ERR_NET_* codes only (net_sockets.c is not compiled)
#include "mbedtls/oid.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#include "ward_tls_config_check.h"  // no renegotiation, static RSA, CBC or NULL suite compiled

extern "C" {
#include "mbedtls/psa_util.h"  // declares its functions without extern "C"
#include "lwip/api.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
// src/tls13_release.c: frees a completed TLS 1.3 handshake's state (1 if it did).
int ward_tls13_release_handshake(mbedtls_ssl_context* ssl);
}

#include "client_common.hpp"
#include "ward/secure/call.h"
#include "identity.hpp"
#include "platform.hpp"
#include "ward/tls/device_identity.hpp"
#include "ward/tls/policy.hpp"

extern "C" const void* ward_tls_running_thread();

namespace ward::tls {

using SessionKeys = std::array<std::uint32_t, 8>;  // key ids, 0: free (a session holds 6 at most)

struct Client::State {
  mbedtls_ssl_context ssl{};
  mbedtls_ssl_config conf{};
  mbedtls_x509_crt anchors{};
  mbedtls_x509_crt own_certificate{};  // ClientOptions::identity's; empty without one
  mbedtls_pk_context own_key{};        // its key: a PSA key id (opaque), never the key itself
  struct netconn* conn = nullptr;
  struct pbuf* pending = nullptr;  // received, not yet all given to Mbed TLS
  std::uint16_t offset = 0;        // of the first byte not yet given
  bool open = false;
  // The transport's bounds: the current call's deadline (lwIP's sys_now() milliseconds), the
  // per-call timeout, and the flag that ends every wait (ClientOptions::cancel).
  std::uint32_t deadline = 0;
  std::uint32_t timeout_ms = 0;
  const std::atomic<bool>* cancel = nullptr;
  int last_error = 0;
  std::uint32_t verify_flags = 0;
  char hostname[kMaxHostname + 1] = {};
  SessionKeys keys{};  // the volatile keys its session made and has not destroyed (KeyScope)
};

namespace {

// ---- The keys a session makes ---------------------------------------------------------------------
// Mbed TLS 3.6.6 loses a key on one error path: a TLS 1.3 handshake that makes its first traffic key
// and cannot make the second frees the transform, not the key it holds
// (mbedtls_ssl_tls13_compute_handshake_transform, _application_transform). The key would stay in the
// secure world for good, counted against whoever the session's keys count against: the kernel's
// share (a privileged thread's Client), a socket owner's (lib/tls/src/sockets.cpp); a user thread that
// holds the rest of the key table makes it happen at will (qemu.net.tls_quota's partial, burn and
// kernel_client). So while a Client's call runs, the keys the crypto client reports created on that
// thread (ward_psa_key_events, ward/secure/call.h) are the Client's, and close() destroys those its
// session did not, once mbedtls_ssl_free has run.
struct KeyScopeEntry {
  std::atomic<const void*> thread{nullptr};
  SessionKeys* keys = nullptr;
};
// One per thread in a Client's call at once (the TLS socket workers, privileged threads' Clients).
std::array<KeyScopeEntry, 8> key_scopes;

// The running thread (policy.cpp, compiled in the image): KeyScope is made by a Client's calls, and
// the crypto client reports only a privileged thread's keys (ward/secure/call.h), so this is never a
// user thread's code. Null before the scheduler runs.
const void* privileged_thread() { return ward_tls_running_thread(); }

// While one lives, the keys made on this thread are `keys`' (an inner one, as close() inside
// connect(), leaves the outer one's).
class KeyScope {
 public:
  explicit KeyScope(SessionKeys& keys) {
    const void* self = privileged_thread();
    if (self == nullptr) {
      return;
    }
    for (const KeyScopeEntry& e : key_scopes) {
      if (e.thread.load() == self) {
        return;
      }
    }
    for (KeyScopeEntry& e : key_scopes) {
      const void* none = nullptr;
      if (e.thread.compare_exchange_strong(none, self)) {
        e.keys = &keys;
        entry_ = &e;
        return;
      }
    }
  }
  ~KeyScope() {
    if (entry_ != nullptr) {
      entry_->keys = nullptr;
      entry_->thread.store(nullptr);
    }
  }
  KeyScope(const KeyScope&) = delete;
  KeyScope& operator=(const KeyScope&) = delete;

 private:
  KeyScopeEntry* entry_ = nullptr;
};

SessionKeys* running_scope() {
  const void* self = privileged_thread();
  if (self == nullptr) {
    return nullptr;
  }
  for (const KeyScopeEntry& e : key_scopes) {
    if (e.thread.load() == self) {
      return e.keys;
    }
  }
  return nullptr;
}

// The crypto client's report of the keys it creates and destroys (ward/secure/call.h,
// ward_psa_key_events): kept for the Client whose call runs on this thread (KeyScope).
void on_key_event(std::uint32_t key, int created) {
  SessionKeys* keys = running_scope();
  if (keys == nullptr) {
    return;
  }
  for (std::uint32_t& k : *keys) {
    if (created != 0 && k == 0) {
      k = key;
      return;
    }
    if (created == 0 && k == key) {
      k = 0;
    }
  }
}

// After mbedtls_ssl_free: the volatile keys the session made and never destroyed. Only this Client
// ever had their ids. A persistent key stays (a session makes none).
void forget_lost_keys(SessionKeys& keys) {
  for (std::uint32_t& key : keys) {
    if (key != 0) {
      const std::uint32_t lost = key;
      key = 0;
      psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
      if (psa_get_key_attributes(lost, &attributes) == PSA_SUCCESS &&
          PSA_KEY_LIFETIME_IS_VOLATILE(psa_get_key_lifetime(&attributes))) {
        (void)psa_destroy_key(lost);
      }
      psa_reset_key_attributes(&attributes);
    }
  }
}

// A session in which read() kept seeing only non-data records (post-handshake messages) this many
// times in a row is given up: every loop here is bounded.
constexpr int kMaxRetries = 16;

// Mbed TLS's transport callbacks; the context is the Client's State. Every wait for the peer is cut
// into slices of at most kCancelSliceMs, so that it ends at the call's deadline however the peer
// paces its bytes, and at once (within a slice) when another thread sets the cancel flag.
bool cancelled(const Client::State& s) { return s.cancel != nullptr && s.cancel->load(); }

// What is left until the deadline, at most one slice; 0 once it has passed.
std::uint32_t next_slice(const Client::State& s) {
  const auto left = static_cast<std::int32_t>(s.deadline - sys_now());
  if (left <= 0) {
    return 0;
  }
  return std::min(static_cast<std::uint32_t>(left), kCancelSliceMs);
}

// The deadline of a call starting now, `ms` from now (lwIP's clock wraps; the difference does not).
void start_call(Client::State& s, std::uint32_t ms) { s.deadline = sys_now() + std::max<std::uint32_t>(ms, 1); }

int send_callback(void* context, const unsigned char* data, std::size_t length) {
  auto* s = static_cast<Client::State*>(context);
  for (;;) {  // bounded: each pass waits one slice, and the deadline ends the loop
    if (cancelled(*s)) {
      return MBEDTLS_ERR_NET_CONN_RESET;
    }
    const std::uint32_t slice = next_slice(*s);
    if (slice == 0) {
      return MBEDTLS_ERR_SSL_TIMEOUT;
    }
    netconn_set_sendtimeout(s->conn, static_cast<int>(slice));
    std::size_t written = 0;
    const err_t e = netconn_write_partly(s->conn, data, length, NETCONN_COPY, &written);
    if (e == ERR_OK && written != 0) {
      return static_cast<int>(written);
    }
    if (e == ERR_OK || e == ERR_TIMEOUT || e == ERR_WOULDBLOCK) {
      continue;  // nothing taken in this slice
    }
    return (e == ERR_RST || e == ERR_CLSD || e == ERR_ABRT || e == ERR_CONN) ? MBEDTLS_ERR_NET_CONN_RESET
                                                                            : MBEDTLS_ERR_NET_SEND_FAILED;
  }
}

int receive_callback(void* context, unsigned char* data, std::size_t length) {
  auto* s = static_cast<Client::State*>(context);
  while (s->pending == nullptr) {  // bounded: each pass waits one slice, and the deadline ends the loop
    if (cancelled(*s)) {
      return MBEDTLS_ERR_NET_CONN_RESET;
    }
    const std::uint32_t slice = next_slice(*s);
    if (slice == 0) {
      return MBEDTLS_ERR_SSL_TIMEOUT;
    }
    netconn_set_recvtimeout(s->conn, static_cast<int>(slice));
    struct pbuf* p = nullptr;
    const err_t e = netconn_recv_tcp_pbuf(s->conn, &p);
    if (e == ERR_TIMEOUT || e == ERR_WOULDBLOCK) {
      continue;
    }
    if (e == ERR_CLSD) {
      return 0;  // the peer's FIN: Mbed TLS reports MBEDTLS_ERR_SSL_CONN_EOF
    }
    if (e != ERR_OK || p == nullptr) {
      return MBEDTLS_ERR_NET_CONN_RESET;
    }
    s->pending = p;
    s->offset = 0;
  }
  // Mbed TLS asks for at most one record's worth (< 64 KiB), and a pbuf chain is < 64 KiB.
  const std::size_t available = s->pending->tot_len - s->offset;
  const std::size_t n = length < available ? length : available;
  const u16_t copied = pbuf_copy_partial(s->pending, data, static_cast<u16_t>(n), s->offset);
  s->offset = static_cast<std::uint16_t>(s->offset + copied);
  if (s->offset >= s->pending->tot_len) {
    pbuf_free(s->pending);
    s->pending = nullptr;
    s->offset = 0;
  }
  return static_cast<int>(copied);
}

}  // namespace

using detail::from_mbedtls;

const char* error_name(Error e) {
  switch (e) {
    case Error::not_initialised: return "not_initialised";
    case Error::no_time: return "no_time";
    case Error::invalid_argument: return "invalid_argument";
    case Error::invalid_state: return "invalid_state";
    case Error::no_resources: return "no_resources";
    case Error::connection: return "connection";
    case Error::timeout: return "timeout";
    case Error::certificate: return "certificate";
    case Error::handshake: return "handshake";
    case Error::record: return "record";
    case Error::closed: return "closed";
    case Error::identity: return "identity";
    case Error::storage: return "storage";
  }
  return "?";
}

Status init() {
  ward_psa_key_events = &on_key_event;
  if (psa_crypto_init() != PSA_SUCCESS || !platform_init()) {
    return fail(Error::not_initialised);
  }
  return {};
}

Client::Client() {
  static_assert(sizeof(State) <= kStateSize, "Client::kStateSize is too small for Mbed TLS's state");
  static_assert(alignof(State) <= 8);
  new (storage_) State{};
}

Client::~Client() {
  close();
  state().~State();
}

// storage_ is alignas(8) and holds the State constructed in the constructor (static_asserts there).
Client::State& Client::state() { return *std::launder(static_cast<State*>(static_cast<void*>(storage_))); }
const Client::State& Client::state() const {
  return *std::launder(static_cast<const State*>(static_cast<const void*>(storage_)));
}

bool Client::is_open() const { return state().open; }
std::uint32_t Client::verify_flags() const { return state().verify_flags; }
int Client::last_error() const { return state().last_error; }

Version Client::version() const {
  return mbedtls_ssl_get_version_number(&state().ssl) == MBEDTLS_SSL_VERSION_TLS1_3 ? Version::tls1_3
                                                                                     : Version::tls1_2;
}

Result<std::size_t> Client::peer_common_name(std::span<char> out) const {
  const State& s = state();
  if (!s.open || s.conn == nullptr) {  // open: a handshake completed (a failed one closes)
    return fail(Error::invalid_state);
  }
  // Only a chain that verified is named: with VERIFY_NONE (a server that asks for no certificate)
  // there is none.
  const mbedtls_x509_crt* peer = mbedtls_ssl_get_peer_cert(&s.ssl);
  if (peer == nullptr || mbedtls_ssl_get_verify_result(&s.ssl) != 0) {
    return fail(Error::certificate);
  }
  const mbedtls_x509_name* cn = nullptr;
  int count = 0;
  for (const mbedtls_x509_name* n = &peer->subject; n != nullptr && count < 2; n = n->next) {
    if (n->oid.p != nullptr && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0) {
      cn = n;
      ++count;
    }
  }
  // Two CNs would let the name an authoriser reads depend on which one it picks.
  if (count != 1 || std::memchr(cn->val.p, '\0', cn->val.len) != nullptr) {
    return fail(Error::certificate);
  }
  if (out.size() <= cn->val.len) {
    return fail(Error::invalid_argument);
  }
  std::memcpy(out.data(), cn->val.p, cn->val.len);
  out[cn->val.len] = '\0';
  return cn->val.len;
}

const char* Client::ciphersuite() const { return state().open ? mbedtls_ssl_get_ciphersuite(&state().ssl) : ""; }

namespace {

using detail::configure_identity;
using detail::lowest_version;
using detail::kCertificateProfile;
using detail::to_mbedtls;

// A TLS client connection: the configuration every client connection gets (client_common.hpp),
// the versions within the policy.
int configure(mbedtls_ssl_config& conf, mbedtls_x509_crt& anchors, const ClientOptions& options) {
  return detail::configure_client(conf, anchors, options, MBEDTLS_SSL_TRANSPORT_STREAM);
}

}  // namespace

Status Client::connect(const ip_addr& address, std::uint16_t port, std::string_view hostname,
                       const ClientOptions& options) {
  State& s = state();
  const KeyScope scope{s.keys};
  if (s.open || s.conn != nullptr) {
    return fail(Error::invalid_state);
  }
  if (!platform_ready()) {
    return fail(Error::not_initialised);
  }
  if (!has_time()) {
    return fail(Error::no_time);
  }
  if (hostname.empty() || hostname.size() > kMaxHostname || hostname.find('\0') != std::string_view::npos ||
      options.trust_anchors.empty() || lowest_version(options.min_version) > options.max_version) {
    return fail(Error::invalid_argument);
  }
  std::memcpy(s.hostname, hostname.data(), hostname.size());
  s.hostname[hostname.size()] = '\0';
  s.timeout_ms = options.timeout_ms;
  s.cancel = options.cancel;
  s.last_error = 0;
  s.verify_flags = 0;

  mbedtls_ssl_init(&s.ssl);
  mbedtls_ssl_config_init(&s.conf);
  mbedtls_x509_crt_init(&s.anchors);
  mbedtls_x509_crt_init(&s.own_certificate);
  mbedtls_pk_init(&s.own_key);
  s.open = true;  // from here on close() frees what was set up
  Status result = handshake(address, port, options);
  if (!result) {
    close();
  }
  return result;
}

Status Client::handshake(const ip_addr& address, std::uint16_t port, const ClientOptions& options) {
  State& s = state();
  if (int rc = configure(s.conf, s.anchors, options); rc != 0) {
    s.last_error = rc;
    return fail(rc == MBEDTLS_ERR_SSL_ALLOC_FAILED || rc == MBEDTLS_ERR_X509_ALLOC_FAILED ? Error::no_resources
                                                                                           : Error::invalid_argument);
  }
  if (options.identity != nullptr) {
    if (auto ok = configure_identity(s, *options.identity); !ok) {
      return ok;
    }
  }
  if (int rc = mbedtls_ssl_setup(&s.ssl, &s.conf); rc != 0) {
    s.last_error = rc;
    return fail(Error::no_resources);
  }
  // SNI and the name the certificate must carry: one call sets both.
  if (int rc = mbedtls_ssl_set_hostname(&s.ssl, s.hostname); rc != 0) {
    s.last_error = rc;
    return fail(Error::invalid_argument);
  }
  s.conn = netconn_new(IP_IS_V6(&address) ? NETCONN_TCP_IPV6 : NETCONN_TCP);
  if (s.conn == nullptr) {
    return fail(Error::no_resources);
  }
  if (cancelled(s) || netconn_connect(s.conn, &address, port) != ERR_OK) {
    return fail(Error::connection);
  }
  mbedtls_ssl_set_bio(&s.ssl, &s, send_callback, receive_callback, nullptr);
  start_call(s, options.handshake_timeout_ms);  // the whole handshake (the transport's waits slice it)
  const int rc = mbedtls_ssl_handshake(&s.ssl);
  if (rc != 0) {
    s.last_error = rc;
    s.verify_flags = mbedtls_ssl_get_verify_result(&s.ssl);
    // A chain refused is a certificate failure whatever alert Mbed TLS chose to send for it.
    if (s.verify_flags != 0 && s.verify_flags != static_cast<std::uint32_t>(-1)) {
      return fail(Error::certificate);
    }
    return fail(from_mbedtls(rc, true));
  }
  // The TLS 1.3 handshake's keys and transcript hashes in the secure world, which Mbed TLS 3.6 keeps
  // for the session's life: given back now (src/tls13_release.c).
  (void)ward_tls13_release_handshake(&s.ssl);
  return {};
}

// ---- Server mode (Listener) --------------------------------------------------------------------

namespace {

int configure_server(mbedtls_ssl_config& conf, mbedtls_x509_crt& anchors, const ServerOptions& options) {
  int rc = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                       MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) {
    return rc;
  }
  for (const auto& der : options.client_trust_anchors) {
    rc = mbedtls_x509_crt_parse_der_nocopy(&anchors, der.data(), der.size());
    if (rc != 0) {
      return rc;
    }
  }
  if (options.require_client_certificate) {
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&conf, &anchors, nullptr);
    mbedtls_ssl_conf_cert_profile(&conf, &kCertificateProfile);
  } else {
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);  // no CertificateRequest is sent
  }
  mbedtls_ssl_conf_rng(&conf, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
  mbedtls_ssl_conf_min_tls_version(&conf, to_mbedtls(lowest_version(options.min_version)));
  mbedtls_ssl_conf_max_tls_version(&conf, to_mbedtls(options.max_version));
  mbedtls_ssl_conf_groups(&conf, detail::kGroups);
  mbedtls_ssl_conf_read_timeout(&conf, options.timeout_ms);
  return 0;
}

}  // namespace

Status Client::serve(struct netconn* conn, const ServerOptions& options) {
  State& s = state();
  const KeyScope scope{s.keys};
  s.hostname[0] = '\0';
  s.timeout_ms = options.timeout_ms;
  s.cancel = nullptr;
  s.last_error = 0;
  s.verify_flags = 0;
  mbedtls_ssl_init(&s.ssl);
  mbedtls_ssl_config_init(&s.conf);
  mbedtls_x509_crt_init(&s.anchors);
  mbedtls_x509_crt_init(&s.own_certificate);
  mbedtls_pk_init(&s.own_key);
  s.conn = conn;  // the session's from here: close() closes it
  s.open = true;
  Status result = server_handshake(options);
  if (!result) {
    close();
  }
  return result;
}

Status Client::server_handshake(const ServerOptions& options) {
  State& s = state();
  if (int rc = configure_server(s.conf, s.anchors, options); rc != 0) {
    s.last_error = rc;
    return fail(rc == MBEDTLS_ERR_SSL_ALLOC_FAILED || rc == MBEDTLS_ERR_X509_ALLOC_FAILED ? Error::no_resources
                                                                                           : Error::invalid_argument);
  }
  if (auto ok = configure_identity(s, *options.identity); !ok) {
    return ok;
  }
  if (int rc = mbedtls_ssl_setup(&s.ssl, &s.conf); rc != 0) {
    s.last_error = rc;
    return fail(Error::no_resources);
  }
  mbedtls_ssl_set_bio(&s.ssl, &s, send_callback, receive_callback, nullptr);
  start_call(s, options.handshake_timeout_ms);  // a client that stalls the handshake holds no listener
  const int rc = mbedtls_ssl_handshake(&s.ssl);
  if (rc != 0) {
    s.last_error = rc;
    s.verify_flags = mbedtls_ssl_get_verify_result(&s.ssl);
    // The client's chain refused, or no chain where one is required (MBEDTLS_X509_BADCERT_MISSING).
    if (options.require_client_certificate && s.verify_flags != 0 &&
        s.verify_flags != static_cast<std::uint32_t>(-1)) {
      return fail(Error::certificate);
    }
    return fail(from_mbedtls(rc, true));
  }
  return {};
}

Listener::~Listener() { close(); }

Status Listener::listen(std::uint16_t port, const ServerOptions& options) {
  if (conn_ != nullptr) {
    return fail(Error::invalid_state);
  }
  if (!platform_ready()) {
    return fail(Error::not_initialised);
  }
  if (port == 0 || options.identity == nullptr || lowest_version(options.min_version) > options.max_version ||
      options.require_client_certificate == options.client_trust_anchors.empty()) {
    return fail(Error::invalid_argument);
  }
  if (auto ok = check_certificate_matches_key(options.identity->certificate, options.identity->key_id); !ok) {
    return ok;
  }
  conn_ = netconn_new(NETCONN_TCP);
  if (conn_ == nullptr) {
    return fail(Error::no_resources);
  }
  if (netconn_bind(conn_, IP4_ADDR_ANY, port) != ERR_OK || netconn_listen_with_backlog(conn_, 1) != ERR_OK) {
    close();
    return fail(Error::no_resources);
  }
  options_ = &options;
  return {};
}

Status Listener::accept(Client& session, std::uint32_t wait_ms) {
  if (conn_ == nullptr || session.is_open() || session.state().conn != nullptr) {
    return fail(Error::invalid_state);
  }
  if (!has_time()) {
    return fail(Error::no_time);  // certificates' validity could not be checked
  }
  netconn_set_recvtimeout(conn_, static_cast<int>(wait_ms));
  struct netconn* conn = nullptr;
  const err_t e = netconn_accept(conn_, &conn);
  if (e == ERR_TIMEOUT || e == ERR_WOULDBLOCK) {
    return fail(Error::timeout);
  }
  if (e != ERR_OK || conn == nullptr) {
    return fail(e == ERR_MEM ? Error::no_resources : Error::connection);
  }
  return session.serve(conn, *options_);
}

void Listener::close() {
  if (conn_ != nullptr) {
    netconn_close(conn_);
    netconn_delete(conn_);
    conn_ = nullptr;
  }
  options_ = nullptr;
}

Result<std::size_t> Client::write(std::span<const std::byte> data) {
  State& s = state();
  if (!s.open || s.conn == nullptr) {
    return fail(Error::invalid_state);
  }
  const KeyScope scope{s.keys};
  std::size_t done = 0;
  int retries = 0;
  while (done < data.size()) {
    start_call(s, s.timeout_ms);  // each piece (a record at most) within the timeout
    const int rc = mbedtls_ssl_write(&s.ssl, reinterpret_cast<const unsigned char*>(data.data()) + done,
                                     data.size() - done);
    if (rc > 0) {
      done += static_cast<std::size_t>(rc);
      retries = 0;
      continue;
    }
    if ((rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ) && ++retries < kMaxRetries) {
      continue;
    }
    s.last_error = rc;
    return fail(from_mbedtls(rc, false));
  }
  return done;
}

Result<std::size_t> Client::read(std::span<std::byte> data) {
  State& s = state();
  if (!s.open || s.conn == nullptr) {
    return fail(Error::invalid_state);
  }
  const KeyScope scope{s.keys};
  if (data.empty()) {
    return fail(Error::invalid_argument);
  }
  start_call(s, s.timeout_ms);  // for all of this call: a record trickled in does not extend it
  for (int retries = 0; retries < kMaxRetries; ++retries) {
    const int rc = mbedtls_ssl_read(&s.ssl, reinterpret_cast<unsigned char*>(data.data()), data.size());
    if (rc > 0) {
      return static_cast<std::size_t>(rc);
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE ||
        rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
      continue;  // a post-handshake message was handled: read on
    }
    s.last_error = rc == 0 ? MBEDTLS_ERR_SSL_CONN_EOF : rc;
    return fail(from_mbedtls(s.last_error, false));
  }
  s.last_error = MBEDTLS_ERR_SSL_WANT_READ;
  return fail(Error::timeout);
}

void Client::close() {
  State& s = state();
  if (!s.open) {
    return;
  }
  const KeyScope scope{s.keys};
  if (s.conn != nullptr && mbedtls_ssl_is_handshake_over(&s.ssl)) {
    start_call(s, s.timeout_ms);
    (void)mbedtls_ssl_close_notify(&s.ssl);  // best effort: the peer may be gone
  }
  mbedtls_ssl_free(&s.ssl);
  mbedtls_ssl_config_free(&s.conf);
  mbedtls_x509_crt_free(&s.anchors);
  mbedtls_x509_crt_free(&s.own_certificate);
  mbedtls_pk_free(&s.own_key);  // the PSA key stays: it is the caller's
  if (s.pending != nullptr) {
    pbuf_free(s.pending);
    s.pending = nullptr;
    s.offset = 0;
  }
  if (s.conn != nullptr) {
    netconn_close(s.conn);
    netconn_delete(s.conn);
    s.conn = nullptr;
  }
  s.cancel = nullptr;
  s.open = false;
  forget_lost_keys(s.keys);
}

}  // namespace ward::tls
