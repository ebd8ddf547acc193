// ward::tls::DtlsClient (ward/tls/dtls.hpp): Mbed TLS 3.6's DTLS 1.2 client over an lwIP UDP netconn.
// Compiled only into ward_dtls (CONFIG_WARD_TLS_DTLS), against ward_dtls_mbedtls_config.h.
//
// The transport is two callbacks: send hands one datagram to netconn_send, receive takes one
// datagram from the connected netconn (lwIP delivers only the peer's address and port) within the
// timeout Mbed TLS asks for, which is its retransmission timer during the handshake. The timer is
// two deadlines on lwIP's millisecond clock (sys_now). Ward parses nothing of a datagram: it is
// copied whole into Mbed TLS's buffer, whose record layer parses and authenticates it.
#include "ward/tls/dtls.hpp"

#include <cstring>
#include <new>

#include "client_common.hpp"
#include "mbedtls/net_sockets.h"  // the MBEDTLS_ERR_NET_* codes only
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#include "platform.hpp"
#include "ward/tls/policy.hpp"
#include "ward_tls_config_check.h"  // no renegotiation, static RSA, CBC or NULL suite compiled

// Built only against ward_dtls_mbedtls_config.h: without MBEDTLS_SSL_PROTO_DTLS and
// MBEDTLS_SSL_DTLS_ANTI_REPLAY the DTLS calls below do not compile (config.tls.* checks that
// configuration).

extern "C" {
#include "lwip/api.h"
#include "lwip/sys.h"
}

namespace ward::tls {

struct DtlsClient::State {
  mbedtls_ssl_context ssl{};
  mbedtls_ssl_config conf{};
  mbedtls_x509_crt anchors{};
  mbedtls_x509_crt own_certificate{};
  mbedtls_pk_context own_key{};  // a PSA key id (opaque), never the key itself
  struct netconn* conn = nullptr;
  // Mbed TLS's timer (mbedtls_ssl_set_timer_cb): set at `start`, two delays; final 0: cancelled.
  std::uint32_t timer_start = 0;
  std::uint32_t timer_intermediate = 0;
  std::uint32_t timer_final = 0;
  std::uint32_t read_timeout_ms = 0;
  // The whole handshake's deadline (kHandshakeDeadlineFactor x handshake_max_ms from its start),
  // enforced by both callbacks while `handshaking`: Mbed TLS's timer alone does not bound it.
  std::uint32_t handshake_start = 0;
  std::uint32_t handshake_budget_ms = 0;
  bool handshaking = false;
  // ClientHellos of distinct message_seq sent in this handshake (a new one follows each
  // HelloVerifyRequest; a retransmission repeats the number), and the last one's number.
  std::uint32_t hellos = 0;
  std::uint32_t last_hello_seq = 0;
  bool open = false;
  int last_error = 0;
  std::uint32_t verify_flags = 0;
  char hostname[kMaxHostname + 1] = {};
};

namespace {

// DTLS 1.2's suites: ECDHE-ECDSA with an AEAD, strongest first.
const int kDtlsSuites[] = {MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                           MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
                           MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0};

// mbedtls_ssl_handshake returns WANT_READ after each retransmission (and after a
// HelloVerifyRequest); the handshake's own timer bounds it, this bounds the loop around it.
constexpr int kMaxHandshakeSteps = 64;
// The whole handshake may take at most this many handshake_max_ms. Mbed TLS's retransmission timer
// does not bound it: a HelloVerifyRequest resets the timer and the retransmission timeout
// (mbedtls_ssl_recv_flight_completed) and the handshake goes on to a new ClientHello without
// returning, so a server that answers every ClientHello with a new cookie kept the device in
// mbedtls_ssl_handshake forever (qemu.net.dtls_attack, hvr_loop). An honest handshake waits at
// most about 2 x handshake_max_ms for its retransmissions (min, 2 min, ..., max), and a cookie
// exchange may start that schedule once more: 4 x handshake_max_ms.
constexpr std::uint32_t kHandshakeDeadlineFactor = 4;
// Within that deadline the same server answered each ClientHello at once: 2,506 ClientHellos in 8 s.
// So at most this many ClientHellos of distinct message_seq, i.e. three HelloVerifyRequests (an
// honest server sends one, another if its cookie secret changed); the next ends the handshake.
constexpr std::uint32_t kMaxClientHellos = 4;

// Our own datagram (not the peer's): a plaintext (epoch 0) handshake record carrying a ClientHello
// (RFC 6347 4.1, 4.2.2: header of 13 bytes, then type 1, length, message_seq). Its message_seq,
// else -1.
std::int32_t client_hello_seq(const unsigned char* data, std::size_t length) {
  constexpr std::size_t kRecordHeader = 13;
  constexpr unsigned char kHandshake = 22;
  constexpr unsigned char kClientHello = 1;
  if (length < kRecordHeader + 6 || data[0] != kHandshake || data[3] != 0 || data[4] != 0 ||
      data[kRecordHeader] != kClientHello) {
    return -1;
  }
  return static_cast<std::int32_t>((static_cast<std::uint32_t>(data[kRecordHeader + 4]) << 8) |
                                   data[kRecordHeader + 5]);
}
// read(): records that carried no application data (dropped, post-handshake) in a row.
constexpr int kMaxRetries = 16;

// Milliseconds of the handshake's deadline left; 0 once it passed. Not handshaking: `wait`.
std::uint32_t handshake_time_left(const DtlsClient::State& s, std::uint32_t wait) {
  if (!s.handshaking) {
    return wait;
  }
  const std::uint32_t elapsed = sys_now() - s.handshake_start;  // wraps correctly
  if (elapsed >= s.handshake_budget_ms) {
    return 0;
  }
  const std::uint32_t left = s.handshake_budget_ms - elapsed;
  return wait < left ? wait : left;
}

int datagram_send_callback(void* context, const unsigned char* data, std::size_t length) {
  auto* s = static_cast<DtlsClient::State*>(context);
  if (handshake_time_left(*s, 1) == 0) {
    return MBEDTLS_ERR_SSL_TIMEOUT;  // the handshake's deadline passed: it ends here, as a timeout
  }
  if (const std::int32_t seq = client_hello_seq(data, length); s->handshaking && seq >= 0) {
    if (s->hellos == 0 || static_cast<std::uint32_t>(seq) != s->last_hello_seq) {
      ++s->hellos;
      s->last_hello_seq = static_cast<std::uint32_t>(seq);
    }
    if (s->hellos > kMaxClientHellos) {
      return MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE;  // a HelloVerifyRequest too many: Error::handshake
    }
  }
  if (length > 0xFFFF) {
    return MBEDTLS_ERR_NET_SEND_FAILED;
  }
  struct netbuf buffer {};
  // lwIP copies a PBUF_REF datagram that has to wait (ARP), so `data` need not outlive the call.
  if (netbuf_ref(&buffer, data, static_cast<u16_t>(length)) != ERR_OK) {
    return MBEDTLS_ERR_SSL_WANT_WRITE;
  }
  const err_t e = netconn_send(s->conn, &buffer);
  netbuf_free(&buffer);
  if (e == ERR_OK) {
    return static_cast<int>(length);
  }
  return e == ERR_MEM || e == ERR_BUF ? MBEDTLS_ERR_SSL_WANT_WRITE : MBEDTLS_ERR_NET_SEND_FAILED;
}

// One datagram, waiting at most `timeout_ms` (Mbed TLS's retransmission timer in the handshake,
// the read timeout after it; 0, "forever", is the read timeout too: every wait is bounded).
int datagram_receive_callback(void* context, unsigned char* data, std::size_t length, std::uint32_t timeout_ms) {
  auto* s = static_cast<DtlsClient::State*>(context);
  // Never past the handshake's deadline: at it, Mbed TLS is told of a timeout and sends its flight
  // again, which the send callback then refuses.
  const std::uint32_t wait = handshake_time_left(*s, timeout_ms != 0 ? timeout_ms : s->read_timeout_ms);
  if (wait == 0) {
    return MBEDTLS_ERR_SSL_TIMEOUT;
  }
  netconn_set_recvtimeout(s->conn, static_cast<int>(wait));
  struct netbuf* buffer = nullptr;
  const err_t e = netconn_recv(s->conn, &buffer);
  if (e == ERR_TIMEOUT || e == ERR_WOULDBLOCK) {
    return MBEDTLS_ERR_SSL_TIMEOUT;
  }
  if (e != ERR_OK || buffer == nullptr) {
    return MBEDTLS_ERR_NET_RECV_FAILED;
  }
  // A datagram larger than Mbed TLS's buffer is cut; its record then fails authentication and is
  // dropped like any other bad record.
  const u16_t total = netbuf_len(buffer);
  const std::size_t n = length < total ? length : total;
  const u16_t copied = netbuf_copy(buffer, data, static_cast<u16_t>(n));
  netbuf_delete(buffer);
  return static_cast<int>(copied);
}

void dtls_set_timer(void* context, std::uint32_t intermediate_ms, std::uint32_t final_ms) {
  auto* s = static_cast<DtlsClient::State*>(context);
  s->timer_start = sys_now();
  s->timer_intermediate = intermediate_ms;
  s->timer_final = final_ms;
}

// -1: cancelled, 0: running, 1: the intermediate delay passed, 2: the final one (mbedtls/ssl.h).
int dtls_get_timer(void* context) {
  const auto* s = static_cast<const DtlsClient::State*>(context);
  if (s->timer_final == 0) {
    return -1;
  }
  const std::uint32_t elapsed = sys_now() - s->timer_start;  // wraps correctly
  if (elapsed >= s->timer_final) {
    return 2;
  }
  return elapsed >= s->timer_intermediate ? 1 : 0;
}

}  // namespace

DtlsClient::DtlsClient() {
  static_assert(sizeof(State) <= kStateSize, "DtlsClient::kStateSize is too small for Mbed TLS's state");
  static_assert(alignof(State) <= 8);
  new (storage_) State{};
}

DtlsClient::~DtlsClient() {
  close();
  state().~State();
}

// storage_ is alignas(8) and holds the State constructed in the constructor (static_asserts there).
DtlsClient::State& DtlsClient::state() { return *std::launder(static_cast<State*>(static_cast<void*>(storage_))); }
const DtlsClient::State& DtlsClient::state() const {
  return *std::launder(static_cast<const State*>(static_cast<const void*>(storage_)));
}

bool DtlsClient::is_open() const { return state().open; }
std::uint32_t DtlsClient::verify_flags() const { return state().verify_flags; }
int DtlsClient::last_error() const { return state().last_error; }
const char* DtlsClient::ciphersuite() const {
  return state().open ? mbedtls_ssl_get_ciphersuite(&state().ssl) : "";
}

std::size_t DtlsClient::max_write() const {
  if (!state().open) {
    return 0;
  }
  const int n = mbedtls_ssl_get_max_out_record_payload(&state().ssl);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

Status DtlsClient::connect(const ip_addr& address, std::uint16_t port, std::string_view hostname,
                           const DtlsOptions& options) {
  State& s = state();
  if (s.open || s.conn != nullptr) {
    return fail(Error::invalid_state);
  }
  if (!platform_ready()) {
    return fail(Error::not_initialised);
  }
  if (!has_time()) {
    return fail(Error::no_time);
  }
  // DTLS 1.2 is the only DTLS: an image whose floor is TLS 1.3 has none.
  if (hostname.empty() || hostname.size() > kMaxHostname || hostname.find('\0') != std::string_view::npos ||
      options.trust_anchors.empty() || image_policy().min_version != Version::tls1_2 ||
      options.handshake_min_ms == 0 || options.handshake_max_ms < options.handshake_min_ms ||
      options.timeout_ms == 0 || options.mtu < 256) {
    return fail(Error::invalid_argument);
  }
  std::memcpy(s.hostname, hostname.data(), hostname.size());
  s.hostname[hostname.size()] = '\0';
  s.last_error = 0;
  s.verify_flags = 0;
  s.read_timeout_ms = options.timeout_ms;
  s.timer_final = 0;

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

Status DtlsClient::handshake(const ip_addr& address, std::uint16_t port, const DtlsOptions& options) {
  State& s = state();
  // Client's configuration, on datagrams, DTLS 1.2 only (connect() refused a policy with a higher floor).
  ClientOptions common;
  common.trust_anchors = options.trust_anchors;
  common.min_version = Version::tls1_2;
  common.max_version = Version::tls1_2;
  common.timeout_ms = options.timeout_ms;
  if (int rc = detail::configure_client(s.conf, s.anchors, common, MBEDTLS_SSL_TRANSPORT_DATAGRAM); rc != 0) {
    s.last_error = rc;
    return fail(rc == MBEDTLS_ERR_SSL_ALLOC_FAILED || rc == MBEDTLS_ERR_X509_ALLOC_FAILED ? Error::no_resources
                                                                                           : Error::invalid_argument);
  }
  mbedtls_ssl_conf_ciphersuites(&s.conf, kDtlsSuites);
  mbedtls_ssl_conf_dtls_anti_replay(&s.conf, MBEDTLS_SSL_ANTI_REPLAY_ENABLED);
  mbedtls_ssl_conf_handshake_timeout(&s.conf, options.handshake_min_ms, options.handshake_max_ms);
  if (options.identity != nullptr) {
    if (auto ok = detail::configure_identity(s, *options.identity); !ok) {
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
  mbedtls_ssl_set_mtu(&s.ssl, options.mtu);
  s.conn = netconn_new(IP_IS_V6(&address) ? NETCONN_UDP_IPV6 : NETCONN_UDP);
  if (s.conn == nullptr) {
    return fail(Error::no_resources);
  }
  // Connected: lwIP hands this netconn only datagrams from `address`:`port`.
  if (netconn_connect(s.conn, &address, port) != ERR_OK) {
    return fail(Error::connection);
  }
  mbedtls_ssl_set_bio(&s.ssl, &s, datagram_send_callback, nullptr, datagram_receive_callback);
  mbedtls_ssl_set_timer_cb(&s.ssl, &s, dtls_set_timer, dtls_get_timer);
  const std::uint64_t budget = std::uint64_t{options.handshake_max_ms} * kHandshakeDeadlineFactor;
  s.handshake_budget_ms = budget > 0x7FFF'FFFFu ? 0x7FFF'FFFFu : static_cast<std::uint32_t>(budget);
  s.handshake_start = sys_now();
  s.handshaking = true;
  s.hellos = 0;
  int rc = MBEDTLS_ERR_SSL_WANT_READ;
  for (int step = 0; step < kMaxHandshakeSteps && (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
       ++step) {
    rc = mbedtls_ssl_handshake(&s.ssl);
  }
  s.handshaking = false;
  if (rc != 0) {
    s.last_error = rc;
    s.verify_flags = mbedtls_ssl_get_verify_result(&s.ssl);
    if (s.verify_flags != 0 && s.verify_flags != static_cast<std::uint32_t>(-1)) {
      return fail(Error::certificate);
    }
    return fail(rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE ? Error::timeout
                                                                                    : detail::from_mbedtls(rc, true));
  }
  return {};
}

Result<std::size_t> DtlsClient::write(std::span<const std::byte> data) {
  State& s = state();
  if (!s.open || s.conn == nullptr) {
    return fail(Error::invalid_state);
  }
  if (data.empty() || data.size() > max_write()) {
    return fail(Error::invalid_argument);
  }
  for (int retries = 0; retries < kMaxRetries; ++retries) {
    const int rc = mbedtls_ssl_write(&s.ssl, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    if (rc > 0) {
      return static_cast<std::size_t>(rc);
    }
    if (rc != MBEDTLS_ERR_SSL_WANT_WRITE && rc != MBEDTLS_ERR_SSL_WANT_READ) {
      s.last_error = rc;
      return fail(detail::from_mbedtls(rc, false));
    }
  }
  s.last_error = MBEDTLS_ERR_SSL_WANT_WRITE;
  return fail(Error::no_resources);
}

Result<std::size_t> DtlsClient::read(std::span<std::byte> data) {
  State& s = state();
  if (!s.open || s.conn == nullptr) {
    return fail(Error::invalid_state);
  }
  if (data.empty()) {
    return fail(Error::invalid_argument);
  }
  for (int retries = 0; retries < kMaxRetries; ++retries) {
    const int rc = mbedtls_ssl_read(&s.ssl, reinterpret_cast<unsigned char*>(data.data()), data.size());
    if (rc > 0) {
      return static_cast<std::size_t>(rc);
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      continue;  // a record without application data (dropped, or a handshake retransmission)
    }
    s.last_error = rc == 0 ? MBEDTLS_ERR_SSL_CONN_EOF : rc;
    return fail(detail::from_mbedtls(s.last_error, false));
  }
  s.last_error = MBEDTLS_ERR_SSL_WANT_READ;
  return fail(Error::timeout);
}

void DtlsClient::close() {
  State& s = state();
  if (!s.open) {
    return;
  }
  if (s.conn != nullptr && mbedtls_ssl_is_handshake_over(&s.ssl)) {
    (void)mbedtls_ssl_close_notify(&s.ssl);  // best effort: one datagram, never sent again
  }
  mbedtls_ssl_free(&s.ssl);
  mbedtls_ssl_config_free(&s.conf);
  mbedtls_x509_crt_free(&s.anchors);
  mbedtls_x509_crt_free(&s.own_certificate);
  mbedtls_pk_free(&s.own_key);  // the PSA key stays: it is the caller's
  if (s.conn != nullptr) {
    netconn_delete(s.conn);
    s.conn = nullptr;
  }
  s.timer_final = 0;
  s.handshaking = false;
  s.open = false;
}

}  // namespace ward::tls
