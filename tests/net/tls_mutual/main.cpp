// Mutual TLS with the device's opaque key (tests/net/tls_mutual_test.py; docs/networking.md, "Client
// authentication"). Two boots on one secure flash file, each a run of its own:
//
//   --phase=1 (provisioning, fresh flash)
//     not_provisioned  before a certificate is stored, loading one is refused (storage);
//     key              the device key is created now (ECDSA P-256, persistent, in the secure world);
//     store_mismatch   storing a certificate of another key (the test CA's own) is refused (identity);
//     provision        a CSR signed by the device key goes to the host (TCP, --prov=P), which signs it
//                      with the device CA (tools/ward-provision) and sends the DER certificate back;
//                      the device stores it in PSA PS after checking it against the key.
//   --phase=2 (the next boot)
//     key              the device key already exists (made once, kept across the reboot);
//     load             the stored certificate is loaded and matches the key;
//     mutual13/12      TLS 1.3 / 1.2 to an s_server that requires a client certificate from the
//                      device CA: handshake, a line each way;
//     nocert13         the same server, the device sends no certificate: refused;
//     otherca13/12     a server that requires a certificate from another CA: refused;
//     user_refusals    an unprivileged thread with the network grant only, on TLS sockets (ward/tls/
//                      sockets.hpp): a hostname on a plain TCP socket, an empty one, one of 254
//                      characters, one with a NUL inside, connect without a hostname, send before
//                      connect, the device identity without the TLS identity grant, a second TLS
//                      socket beyond the pool of one: each refused with its error;
//     user13           an unprivileged thread with both grants fetches a resource over a TLS socket
//     user_revoked     its identity grant revoked after it set the identity option, before it
//                      connects: the connection goes without the identity (the server refuses)
//                      (TLS 1.3, the device identity presented by the worker): 4,000 bytes checked
//                      byte for byte, its request line checked by the test in s_server's output;
//     pair_mismatch    a ClientIdentity whose certificate is not the key's: refused before connecting;
//     stored_mismatch  a certificate of another key written to the entry directly: loading refuses it.
// Every wait is bounded; main exits 0 only if every case held.
#include <psa/crypto.h>
#include <psa/protected_storage.h>

#include <cstdint>
#include <cstring>
#include <string_view>

extern "C" {
#include "lwip/api.h"
#include "lwip/ip_addr.h"
}

#include "kTestCaDer.hpp"  // generated: the server CA, this image's trust anchor (tests/net/CMakeLists.txt)
#include "ward/board.hpp"
#include "ward/command_line.hpp"
#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/net/interface.hpp"
#include "ward/net/lan9118.hpp"
#include "ward/print.hpp"
#include "ward/sockets.hpp"
#include "ward/tls/client.hpp"
#include "ward/tls/device_identity.hpp"
#include "ward/tls/provisioning.hpp"
#include "ward/tls/sockets.hpp"
#ifdef WARD_NET_BENCH
#include "../../../samples/common/idle_spinner.hpp"
#endif

namespace {
using namespace ward;

net::Lan9118 ethernet{{0x42000000, 48}};

constexpr std::string_view kHostname = "ward-tls.test";
constexpr const char* kSubject = "CN=ward-device-0001,O=Ward test devices";
constexpr std::string_view kFromServer = "hello device\n";  // tls_mutual_test.py sends this

const std::span<const std::uint8_t> kAnchors[] = {std::span<const std::uint8_t>{kTestCaDer}};

std::uint64_t argument(std::string_view name) { return number_argument(board::command_line(), name); }
std::uint16_t port(std::string_view name) { return static_cast<std::uint16_t>(argument(name)); }

ip_addr_t host_address() {
  ip_addr_t a;
  IP_ADDR4(&a, 10, 0, 2, 2);  // slirp's gateway: this host's 127.0.0.1
  return a;
}

bool report(const char* name, bool ok, const char* detail = "") {
  print("tls_mutual: ", name, ": ", ok ? "ok" : "FAILED", " ", detail, '\n');
  return ok;
}

template <class R>
bool refused_with(const char* name, const R& r, tls::Error expected) {
  const bool ok = !r && r.error() == expected;
  print("tls_mutual: ", name, ": ", ok ? "refused" : "NOT REFUSED AS EXPECTED", " (", r ? "accepted" : tls::error_name(r.error()),
        ")\n");
  return ok;
}

// ---- Boot 1: provisioning ---------------------------------------------------------------------------

alignas(4) char csr[1024];
alignas(4) std::uint8_t certificate[tls::kMaxDeviceCertificate];

bool provision() {
  bool ok = refused_with("not_provisioned", tls::load_device_certificate(certificate), tls::Error::storage);
  auto key = tls::ensure_device_key();
  ok &= report("key", key && *key, key ? (*key ? "created" : "EXISTED ALREADY") : tls::error_name(key.error()));
  ok &= refused_with("store_mismatch", tls::store_device_certificate(kTestCaDer), tls::Error::identity);
  auto pem = tls::device_csr(kSubject, csr);
  if (!pem) {
    return report("csr", false, tls::error_name(pem.error()));
  }
  print("tls_mutual: csr ", *pem, " bytes\n", csr);
  auto answer = tls::request_certificate({csr, *pem}, {tls::kSlirpHost, port("--prov=")}, certificate);
  if (!answer) {
    return report("provision", false, tls::error_name(answer.error()));
  }
  print("tls_mutual: certificate ", answer->size(), " bytes DER from the host\n");
  auto stored = tls::store_device_certificate(*answer);
  ok &= report("provision", static_cast<bool>(stored), stored ? "stored" : tls::error_name(stored.error()));
  return ok;
}

// ---- Boot 2: connections ------------------------------------------------------------------------------

tls::Client client;
alignas(4) std::byte buffer[256];

tls::ClientOptions options(tls::Version version, const tls::ClientIdentity* identity) {
  tls::ClientOptions o;
  o.trust_anchors = kAnchors;
  o.identity = identity;
  o.min_version = version;
  o.max_version = version;
  o.timeout_ms = 10'000;
  return o;
}

bool mutual(const char* name, std::uint16_t p, tls::Version version, const tls::ClientIdentity& identity) {
  const Instant start = now();
  if (auto c = client.connect(host_address(), p, kHostname, options(version, &identity)); !c) {
    print("tls_mutual: ", name, ": FAILED to connect: ", tls::error_name(c.error()), " mbedtls ", client.last_error(),
          " flags ", client.verify_flags(), '\n');
    return false;
  }
  const auto handshake_us = (now() - start).to_us();
  const std::size_t heap = tls::heap_peak();
  const bool right_version = client.version() == version;
  constexpr std::string_view line = "hello server from ward-device-0001\n";
  auto w = client.write({reinterpret_cast<const std::byte*>(line.data()), line.size()});
  std::size_t got = 0;
  while (w && got < kFromServer.size()) {
    auto r = client.read({buffer + got, kFromServer.size() - got});
    if (!r) {
      print("tls_mutual: ", name, ": read failed: ", tls::error_name(r.error()), " mbedtls ", client.last_error(), '\n');
      break;
    }
    got += *r;
  }
  const bool data_ok = w && got == kFromServer.size() && std::memcmp(buffer, kFromServer.data(), got) == 0;
  print("tls_mutual: ", name, ": ", right_version && data_ok ? "ok" : "FAILED", " suite ", client.ciphersuite(),
        " handshake ", handshake_us, " us, heap high-water ", heap, '\n');
  client.close();
  return right_version && data_ok;
}

// A server that does not accept the device: TLS 1.2 refuses in the handshake; TLS 1.3 servers
// check the client's certificate after the client's Finished, so the refusal (an alert) can
// arrive at the first read instead. Either counts; a byte of data does not.
bool rejected(const char* name, std::uint16_t p, tls::Version version, const tls::ClientIdentity* identity) {
  auto c = client.connect(host_address(), p, kHostname, options(version, identity));
  tls::Error error = c ? tls::Error::closed : c.error();
  bool refused = !c;
  if (c) {
    auto r = client.read(buffer);
    refused = !r;
    error = r ? tls::Error::closed : r.error();
  }
  const bool ok = refused && error != tls::Error::certificate && error != tls::Error::identity;
  print("tls_mutual: ", name, ": ", ok ? "refused" : "NOT REFUSED AS EXPECTED", " (", c ? "after handshake, " : "in handshake, ",
        refused ? tls::error_name(error) : "data", ", mbedtls ", client.last_error(), ")\n");
  client.close();
  return ok;
}

// ---- Boot 2: TLS sockets from an unprivileged thread ---------------------------------------------

// The resource user13's server sends (tls_mutual_test.py makes the same bytes): printable, lines of
// 64, so s_server sends it as it is.
constexpr std::uint32_t kResourceBytes = 4000;
char resource_byte(std::uint32_t i) { return i % 64 == 63 ? '\n' : static_cast<char>('a' + (i * 7 + i / 64) % 26); }
constexpr std::string_view kUserRequest = "GET /resource from an unprivileged thread\n";

struct UserResults {
  std::uint32_t port;         // set by main
  std::uint32_t step;         // the step that failed (0: none)
  std::int32_t error;         // its ward::Error, or -1 for a wrong value
  std::uint32_t got;          // resource bytes received and right
  std::uint32_t refusals;     // refusals seen as expected (user_refusals)
  std::uint32_t stage;        // user_revoked: 1 once the identity is set, 2 once main revoked the grant
};
PartitionMemory<64> user_memory;
UserResults& user_results() { return *static_cast<UserResults*>(static_cast<void*>(user_memory.bytes)); }
constexpr Domain<1> user_domain{Partition::of(user_memory, Access::read_write)};
UserThreadStack<2048> user_stack;
Thread user_thread;

template <class R>
bool expect_error(std::uint32_t step, const R& r, Error expected) {
  if (!r && r.error() == expected) {
    ++user_results().refusals;
    return true;
  }
  user_results().step = step;
  user_results().error = r ? -1 : static_cast<std::int32_t>(r.error());
  return false;
}

// The network grant only: what a TLS socket must refuse.
void user_refusals(void*) {
  constexpr char kLong[kSocketMaxHostname + 1] = {'a'};  // 254 characters of which 253 are NUL: too long anyway
  constexpr char kNul[] = {'a', '\0', 'b'};
  auto tcp = net::socket(kSocketStream);
  auto s = net::socket(kSocketStream | kSocketTls);
  if (!tcp || !s) {
    user_results().step = 1;
    user_results().error = !s ? static_cast<std::int32_t>(s.error()) : -2;
    return;
  }
  bool ok = expect_error(2, net::set_tls_hostname(*tcp, kHostname), Error::invalid_state);
  ok = ok && expect_error(3, net::set_tls_hostname(*s, std::string_view{}), Error::invalid_argument);
  ok = ok && expect_error(4, net::set_tls_hostname(*s, {kLong, sizeof kLong}), Error::invalid_argument);
  ok = ok && expect_error(5, net::set_tls_hostname(*s, {kNul, sizeof kNul}), Error::invalid_argument);
  ok = ok && expect_error(6, net::connect(*s, net::ipv4(10, 0, 2, 2, 443)), Error::invalid_state);
  constexpr std::byte kByte[1] = {};
  ok = ok && expect_error(7, net::send(*s, kByte), Error::invalid_state);
  ok = ok && expect_error(8, net::use_device_identity(*s), Error::not_permitted);
  ok = ok && expect_error(9, sys::net_setopt(*tcp, kSocketTlsIdentity, 0), Error::invalid_state);
  ok = ok && expect_error(10, net::socket(kSocketStream | kSocketTls), Error::no_resources);  // a pool of one
  ok = ok && expect_error(11, net::socket(kSocketDatagram | kSocketTls), Error::invalid_argument);
  (void)net::close(*s);
  (void)net::close(*tcp);
}

// Both grants: the resource over TLS 1.3 with the device's identity.
void user_fetch(void*) {
  UserResults& r = user_results();
  auto s = net::socket(kSocketStream | kSocketTls);
  if (!s) {
    r.step = 20;
    r.error = static_cast<std::int32_t>(s.error());
    return;
  }
  Status st = net::set_tls_hostname(*s, kHostname);
  r.step = st ? 0 : 21;
  st = st ? net::use_device_identity(*s) : st;
  r.step = r.step != 0 ? r.step : (st ? 0 : 22);
  st = st ? net::connect(*s, net::ipv4(10, 0, 2, 2, static_cast<std::uint16_t>(r.port))) : st;
  r.step = r.step != 0 ? r.step : (st ? 0 : 23);
  if (st) {
    auto n = net::send(*s, {reinterpret_cast<const std::byte*>(kUserRequest.data()), kUserRequest.size()});
    st = n && *n == kUserRequest.size() ? Status{} : Status{fail(n ? Error::connection : n.error())};
    r.step = st ? 0 : 24;
  }
  char piece[700];  // less than one call's 1 KiB: several calls per record
  for (int i = 0; st && r.got < kResourceBytes && i < 1000; ++i) {
    auto n = net::recv(*s, {reinterpret_cast<std::byte*>(piece), sizeof piece});
    if (!n || *n == 0) {
      st = fail(n ? Error::connection : n.error());
      r.step = 25;
      break;
    }
    for (std::uint32_t k = 0; k < *n; ++k) {
      if (piece[k] != resource_byte(r.got + k)) {
        st = fail(Error::invalid_state);
        r.step = 26;
        break;
      }
    }
    r.got += st ? *n : 0;
  }
  if (!st) {
    r.error = static_cast<std::int32_t>(st.error());
  }
  r.step = r.step == 0 && r.got != kResourceBytes ? 27 : r.step;
  r.step = r.step == 0 && !net::close(*s) ? 28 : r.step;
}

// Both grants when the identity is set; the identity grant revoked before the connection: the
// connection must go without the device's identity (the server requires one and refuses).
void user_revoked(void*) {
  UserResults& r = user_results();
  auto s = net::socket(kSocketStream | kSocketTls);
  if (!s) {
    r.step = 30;
    r.error = static_cast<std::int32_t>(s.error());
    return;
  }
  if (const Status st = net::set_tls_hostname(*s, kHostname); !st) {
    r.step = 31;
    r.error = static_cast<std::int32_t>(st.error());
    return;
  }
  if (const Status st = net::use_device_identity(*s); !st) {
    r.step = 34;
    r.error = static_cast<std::int32_t>(st.error());
    return;
  }
  r.stage = 1;
  for (int i = 0; i < 500 && r.stage != 2; ++i) {
    (void)sys::sleep_for(UserTimeout::after(Duration::ms(10)));
  }
  // TLS 1.3: the client's handshake ends before the server judges its (empty) certificate, so the
  // server's refusal shows at the first read.
  Status st = net::connect(*s, net::ipv4(10, 0, 2, 2, static_cast<std::uint16_t>(r.port)));
  if (st) {
    char piece[64];
    auto n = net::recv(*s, {reinterpret_cast<std::byte*>(piece), sizeof piece});
    st = n && *n != 0 ? Status{} : Status{fail(n ? Error::connection : n.error())};
  }
  r.step = r.stage != 2 ? 32 : st ? 33 : 0;  // 33: served, so the identity no longer granted was presented
  r.error = st ? -1 : static_cast<std::int32_t>(st.error());
  (void)net::close(*s);
}

bool run_user_revoked() {
  std::memset(user_memory.bytes, 0, sizeof user_memory.bytes);
  user_results().port = port("--revoked13=");
  user_results().step = 39;  // the thread's end says otherwise (a thread that faults leaves it)
  if (!user_thread.create_user(user_stack.span(), &user_revoked, nullptr, Priority{10}, "user_revoked", user_domain) ||
      !grant_network(user_thread) || !grant_tls_identity(user_thread) || !user_thread.start()) {
    return report("user_revoked", false, "cannot start the user thread");
  }
  for (int i = 0; i < 500 && user_results().stage != 1 && user_results().step == 39; ++i) {
    (void)this_thread::sleep_for(Duration::ms(10));
  }
  const bool revoked = static_cast<bool>(revoke_tls_identity(user_thread));
  user_results().stage = 2;
  const bool ended = static_cast<bool>(user_thread.join(Timeout::after(Duration::s(60))));
  const UserResults& r = user_results();
  print("tls_mutual: user_revoked: step ", r.step, " error ", r.error, '\n');
  return report("user_revoked", revoked && ended && r.step == 0);
}

bool run_user(const char* name, Thread::Entry entry, bool identity) {
  std::memset(user_memory.bytes, 0, sizeof user_memory.bytes);
  user_results().port = port("--user13=");
  if (!user_thread.create_user(user_stack.span(), entry, nullptr, Priority{10}, name, user_domain) ||
      !grant_network(user_thread) || !(identity ? grant_tls_identity(user_thread) : revoke_tls_identity(user_thread)) ||
      !user_thread.start()) {
    return report(name, false, "cannot start the user thread");
  }
  const bool ended = static_cast<bool>(user_thread.join(Timeout::after(Duration::s(60))));
  const UserResults& r = user_results();
  print("tls_mutual: ", name, ": step ", r.step, " error ", r.error, " refusals ", r.refusals, " resource bytes ", r.got,
        '\n');
  return report(name, ended && r.step == 0);
}

bool user_sockets(const tls::ClientIdentity& identity) {
  tls::SocketOptions o;
  o.trust_anchors = kAnchors;
  o.device_identity = &identity;
  if (!tls::enable_sockets(o)) {
    return report("user_sockets", false, "cannot enable TLS sockets");
  }
  bool ok = run_user("user_refusals", &user_refusals, false);
  ok &= run_user("user13", &user_fetch, true);
  ok &= run_user_revoked();
  return ok;
}

#ifdef WARD_NET_BENCH
// `./ward bench-net` (tests/net/net_bench.py), boot 2 of the net_bench image: instead of the
// cases, the figures. Each span is measured with the spinner (samples/common/idle_spinner.hpp):
//   handshake   client.connect: the TCP connect (one round trip, a few thousand instructions) and
//               mbedtls_ssl_handshake to its end, TLS 1.3, ECDHE P-256, the server's ECDSA P-256
//               chain verified, the client's certificate and CertificateVerify signed with the
//               opaque device key in the secure world (its instructions are the device's too);
//   tcp_tx      a plain TCP connection to the host: kBenchBytes sent, from connect to close;
//   tcp_rx      the host sends kBenchBytes: from connect until the host's close is seen.
constexpr std::uint32_t kBenchBytes = 256 * 1024;
alignas(4) std::byte bench_piece[1460];

bool bench_tcp(const char* name, std::uint16_t p, bool send) {
  struct netconn* conn = netconn_new(NETCONN_TCP);
  if (conn == nullptr) return report(name, false, "no netconn");
  netconn_set_recvtimeout(conn, 30'000);
  const ip_addr_t host = host_address();
  for (std::size_t i = 0; i < sizeof bench_piece; ++i) bench_piece[i] = static_cast<std::byte>(i * 31 + 7);
  const idle_spinner::Mark start = idle_spinner::mark();
  std::uint32_t moved = 0;
  bool ok = netconn_connect(conn, &host, p) == ERR_OK;
  // Bounded: each write or receive moves at least a byte or fails (timeouts).
  while (ok && send && moved < kBenchBytes) {
    const std::size_t n = kBenchBytes - moved < sizeof bench_piece ? kBenchBytes - moved : sizeof bench_piece;
    ok = netconn_write(conn, bench_piece, n, NETCONN_COPY) == ERR_OK;
    moved += ok ? static_cast<std::uint32_t>(n) : 0;
  }
  while (ok && !send) {
    struct netbuf* nb = nullptr;
    if (netconn_recv(conn, &nb) != ERR_OK) break;  // the host's close (or the timeout)
    moved += netbuf_len(nb);
    netbuf_delete(nb);
  }
  netconn_close(conn);
  netconn_delete(conn);
  idle_spinner::report(name, moved, start);
  return report(name, ok && moved == kBenchBytes);
}

bool bench_handshake(const char* name, std::uint16_t p, const tls::ClientIdentity& identity) {
  const idle_spinner::Mark start = idle_spinner::mark();
  const auto c = client.connect(host_address(), p, kHostname, options(tls::Version::tls1_3, &identity));
  idle_spinner::report(name, 0, start);
  if (!c) {
    print("tls_mutual: ", name, ": FAILED to connect: ", tls::error_name(c.error()), " mbedtls ", client.last_error(),
          '\n');
    return false;
  }
  print("bench: ", name, " suite ", client.ciphersuite(), ", heap high-water ", tls::heap_peak(), " of ",
        tls::heap_size(), " bytes, client contexts ", sizeof client, " bytes\n");
  constexpr std::string_view line = "hello server from ward-device-0001\n";
  auto w = client.write({reinterpret_cast<const std::byte*>(line.data()), line.size()});
  std::size_t got = 0;
  while (w && got < kFromServer.size()) {
    auto r = client.read({buffer + got, kFromServer.size() - got});
    if (!r) break;
    got += *r;
  }
  client.close();
  return report(name, w && got == kFromServer.size());
}

bool bench(const tls::ClientIdentity& identity) {
  if (!idle_spinner::start()) return false;
  bool ok = bench_handshake("handshake13", port("--mutual13="), identity);
  print("bench: heap after the first connection ", tls::heap_peak(), " bytes\n");
  ok &= bench_handshake("handshake13_again", port("--again13="), identity);
  ok &= bench_tcp("tcp_tx", port("--tcpsink="), true);
  ok &= bench_tcp("tcp_rx", port("--tcpsource="), false);
  return ok;
}
#endif

bool connections() {
  auto key = tls::ensure_device_key();
  bool ok = report("key", key && !*key, key ? (*key ? "CREATED AGAIN" : "exists") : tls::error_name(key.error()));
  auto cert = tls::load_device_certificate(certificate);
  ok &= report("load", static_cast<bool>(cert), cert ? "matches the key" : tls::error_name(cert.error()));
  if (!cert) {
    return false;
  }
  const tls::ClientIdentity identity{*cert, tls::kDeviceKeyId};
#ifdef WARD_NET_BENCH
  return ok && bench(identity);
#endif
  ok &= mutual("mutual13", port("--mutual13="), tls::Version::tls1_3, identity);
  ok &= mutual("mutual12", port("--mutual12="), tls::Version::tls1_2, identity);
  ok &= rejected("nocert13", port("--nocert13="), tls::Version::tls1_3, nullptr);
  ok &= rejected("otherca13", port("--otherca13="), tls::Version::tls1_3, &identity);
  ok &= rejected("otherca12", port("--otherca12="), tls::Version::tls1_2, &identity);

  const tls::ClientIdentity wrong{kTestCaDer, tls::kDeviceKeyId};
  ok &= refused_with("pair_mismatch", client.connect(host_address(), port("--mutual13="), kHostname,
                                                      options(tls::Version::tls1_3, &wrong)),
                     tls::Error::identity);
  ok &= report("pair_mismatch_closed", !client.is_open());
  // From here on the TLS worker is the one thread that uses Clients (ward/tls/sockets.hpp); main
  // only reads storage below, after the user threads have ended.
  ok &= user_sockets(identity);
  // What a mistake or an earlier image could leave in the entry: written past the store's check.
  const bool written = psa_ps_set(tls::kDeviceCertificateUid, sizeof kTestCaDer, kTestCaDer, PSA_STORAGE_FLAG_NONE) ==
                       PSA_SUCCESS;
  ok &= report("stored_mismatch_written", written);
  ok &= refused_with("stored_mismatch", tls::load_device_certificate(certificate), tls::Error::identity);
  return ok;
}

}  // namespace

int main() {
  const std::uint64_t time = argument("--time=");
  const std::uint64_t phase = argument("--phase=");
  if (time == 0 || (phase != 1 && phase != 2)) {
    print("tls_mutual: usage: --time=UNIX --phase=1 --prov=P | --phase=2 --mutual13=P --mutual12=P --nocert13=P "
          "--otherca13=P --otherca12=P\n");
    return 1;
  }
  if (!net::start_interface(ethernet, Priority{20}) || !net::wait_for_ipv4(Timeout::after(Duration::s(20)))) {
    print("tls_mutual: no network\n");
    return 1;
  }
  if (!tls::init()) {
    print("tls_mutual: init failed\n");
    return 1;
  }
  tls::set_time(static_cast<std::int64_t>(time));
  const bool ok = phase == 1 ? provision() : connections();
  print("tls_mutual: heap ", tls::heap_peak(), " of ", tls::heap_size(), " bytes at most\n");
  if constexpr (config::stack_usage) {
    // The handshakes' high-water mark, which tls_mutual_test.py compares with the build's bound.
    const Thread& self = this_thread::current();
    print("stack high-water: main_stack ", self.stack().size() - self.stack_unused(), " B\n");
  }
  print(ok ? "tls_mutual: phase done, every case held\n" : "tls_mutual: phase done, SOME CASE FAILED\n");
  return ok ? 0 : 1;
}
