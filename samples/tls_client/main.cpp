// An unprivileged thread fetches a resource over TLS 1.3 with client authentication by the device's
// key, which never leaves the secure world (docs/networking.md, "TLS sockets for user threads").
// Run by samples/tls_client/demo.py (`./ward demo tls`), which plays the provisioning host and the
// server on this machine, reached through QEMU's user networking at 10.0.2.2.
//
// main (privileged): the network; the TLS client with the calendar time from SNTP (ward/net/sntp.hpp:
// lwIP's client asks demo.py's responder at 10.0.2.2:123, prj.conf); the device identity -- the key is made in the secure world once, a CSR goes to the
// provisioning host (--prov=P), the certificate it signs is kept in protected storage; then TLS
// sockets, trusting the CA compiled into this image, and the fetcher thread.
// fetcher (unprivileged, its own memory only): grants for the network and the device identity;
// opens a TLS socket, names the server, connects to 10.0.2.2:--server=P, sends a request, prints
// the answer. It never holds a key, a PSA handle or Mbed TLS state: only a socket handle.
#include <cstdint>
#include <string_view>

#include "kSampleCaDer.hpp"  // generated: this image's trust anchor (CMakeLists.txt)
#include "ward/board.hpp"
#include "ward/command_line.hpp"
#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/net/interface.hpp"
#include "ward/net/lan9118.hpp"
#include "ward/net/sntp.hpp"
#include "ward/print.hpp"
#include "ward/sockets.hpp"
#include "ward/stack_bound.hpp"
#include "ward/tls/client.hpp"
#include "ward/tls/device_identity.hpp"
#include "ward/tls/sockets.hpp"
#include "sample_marks.hpp"

namespace {
using namespace ward;

net::Lan9118 ethernet{{0x42000000, 48}};

constexpr std::string_view kServerName = "ward-tls.test";  // the name demo.py's server certificate carries
constexpr const char* kSubject = "CN=ward-sample-device,O=Ward samples";
constexpr std::string_view kRequest = "GET /status from an unprivileged thread\n";

const std::span<const std::uint8_t> kAnchors[] = {std::span<const std::uint8_t>{kSampleCaDer}};

std::uint64_t argument(std::string_view name) { return number_argument(board::command_line(), name); }

// ---- The fetcher: an unprivileged thread --------------------------------------------------------

struct Fetch {
  std::uint32_t port;     // set by main
  std::uint32_t failed;   // the step that failed, 0: none
  std::uint32_t error;    // its ward::Error
  std::uint32_t received;
};
PartitionMemory<32> fetch_memory;
Fetch& fetch() { return *static_cast<Fetch*>(static_cast<void*>(fetch_memory.bytes)); }
constexpr Domain<1> fetch_domain{Partition::of(fetch_memory, Access::read_write)};
UserThreadStack<2048> fetch_stack;
Thread fetcher;

bool step(std::uint8_t n, const Status& s) {
  if (!s) {
    fetch().failed = n;
    fetch().error = static_cast<std::uint32_t>(s.error());
  }
  return static_cast<bool>(s);
}

void fetch_main(void*) {
  Fetch& f = fetch();
  auto s = net::socket(kSocketStream | kSocketTls);
  if (!step(1, s ? Status{} : Status{fail(s.error())})) {
    return;
  }
  const bool ok = step(2, net::set_tls_hostname(*s, kServerName)) && step(3, net::use_device_identity(*s)) &&
                  step(4, net::connect(*s, net::ipv4(10, 0, 2, 2, static_cast<std::uint16_t>(f.port))));
  auto sent = ok ? net::send(*s, {reinterpret_cast<const std::byte*>(kRequest.data()), kRequest.size()})
                 : Result<std::uint32_t>{fail(Error::invalid_state)};
  if (ok && step(5, sent ? Status{} : Status{fail(sent.error())})) {
    (void)sys::print("tls_client: fetcher: connected, request sent; the answer:\n");
    char piece[256] = {};
    for (int i = 0; i < 64; ++i) {  // bounded: at most 64 pieces
      auto n = net::recv(*s, {reinterpret_cast<std::byte*>(piece), sizeof piece});
      if (!n || *n == 0) {
        (void)step(6, n ? Status{} : Status{fail(n.error())});
        break;
      }
      f.received += *n;
      (void)sys::print({piece, *n});
      if (piece[*n - 1] == '\n') {
        break;  // the server answers one line (and keeps the session open)
      }
    }
  }
  (void)net::close(*s);
}
WARD_STACK_BOUND_USER_THREAD(fetch_stack, fetch_main);  // the build checks its bound (docs/stack-bounds.md)

// ---- main: provisioning, TLS sockets, the fetcher ---------------------------------------------------

alignas(4) char csr[1024];
alignas(4) std::uint8_t certificate[tls::kMaxDeviceCertificate];

// Sends the CSR to the provisioning host; its answer is a 2-byte big-endian length and the DER.
std::size_t ask_host(std::string_view pem, std::uint16_t port) {
  auto s = net::socket(kSocketStream);
  if (!s) {
    return 0;
  }
  std::size_t got = 0;
  std::size_t expected = 0;
  bool ok = net::set_receive_timeout(*s, UserTimeout::after(Duration::s(30))) &&
            net::connect(*s, net::ipv4(10, 0, 2, 2, port));
  for (int i = 0; ok && !pem.empty() && i < 64; ++i) {
    auto n = net::send(*s, {reinterpret_cast<const std::byte*>(pem.data()), pem.size()});
    ok = n && *n > 0;
    pem.remove_prefix(ok ? *n : 0);
  }
  std::uint8_t header[2];
  for (int i = 0; ok && got < 2 && i < 8; ++i) {
    auto n = net::recv(*s, {reinterpret_cast<std::byte*>(header) + got, 2 - got});
    ok = n && *n > 0;
    got += ok ? *n : 0;
  }
  expected = static_cast<std::size_t>(header[0]) << 8 | header[1];
  ok = ok && expected != 0 && expected <= sizeof certificate;
  for (got = 0; ok && got < expected;) {
    auto n = net::recv(*s, {reinterpret_cast<std::byte*>(certificate) + got, expected - got});
    ok = n && *n > 0;
    got += ok ? *n : 0;
  }
  (void)net::close(*s);
  return ok ? expected : 0;
}

tls::Result<std::span<const std::uint8_t>> device_certificate() {
  auto key = tls::ensure_device_key();
  if (!key) {
    return fail(key.error());
  }
  if (!*key) {
    if (auto stored = tls::load_device_certificate(certificate); stored) {
      print("tls_client: device identity: key and certificate from an earlier boot\n");
      return stored;
    }
  }
  print("tls_client: device identity: ", *key ? "key created in the secure world" : "key found",
        ", asking the provisioning host to certify it\n");
  auto pem = tls::device_csr(kSubject, csr);
  if (!pem) {
    return fail(pem.error());
  }
  const std::size_t n = ask_host({csr, *pem}, static_cast<std::uint16_t>(argument("--prov=")));
  if (n == 0) {
    return fail(tls::Error::connection);
  }
  if (auto s = tls::store_device_certificate({certificate, n}); !s) {
    return fail(s.error());
  }
  return tls::load_device_certificate(certificate);
}

tls::ClientIdentity identity;

}  // namespace

int main() {
  sample::marks_begin();  // tls_client_marks only (samples/marks.conf), as marks_report below
  if (argument("--server=") == 0) {
    print("tls_client: usage: --server=PORT [--prov=PORT]\n");
    return 1;
  }
  if (!net::start_interface(ethernet, Priority{20}) || !net::wait_for_ipv4(Timeout::after(Duration::s(20))) ||
      !tls::init() || !net::start_sntp(&tls::set_time)) {
    print("tls_client: no network, no TLS or no SNTP\n");
    return 1;
  }
  // Certificates are checked against the calendar: SNTP's answer sets it (TLS refuses until then).
  for (int i = 0; i < 200 && !tls::has_time(); ++i) {  // bounded: 20 s
    (void)this_thread::sleep_for(Duration::ms(100));
  }
  if (!tls::has_time()) {
    print("tls_client: no time from SNTP\n");
    return 1;
  }
  print("tls_client: calendar time from SNTP: ", static_cast<std::uint32_t>(tls::time_now()), '\n');
  auto cert = device_certificate();
  if (!cert) {
    print("tls_client: device identity: ", tls::error_name(cert.error()), '\n');
    return 1;
  }
  identity = tls::ClientIdentity{*cert, tls::kDeviceKeyId};
  tls::SocketOptions options;
  options.trust_anchors = kAnchors;
  options.device_identity = &identity;
  if (!tls::enable_sockets(options)) {
    print("tls_client: cannot enable TLS sockets\n");
    return 1;
  }
  fetch().port = static_cast<std::uint32_t>(argument("--server="));
  if (!fetcher.create_user(fetch_stack.span(), &fetch_main, nullptr, Priority{10}, "fetcher", fetch_domain) ||
      !grant_network(fetcher) || !grant_tls_identity(fetcher) || !fetcher.start() ||
      !fetcher.join(Timeout::after(Duration::s(60)))) {
    print("tls_client: the fetcher did not run to its end\n");
    return 1;
  }
  const Fetch& f = fetch();
  print("\ntls_client: fetcher ", f.failed == 0 ? "done" : "FAILED", ": ", f.received,
        " bytes over TLS 1.3 with the device identity (failed step ", f.failed, ", error ", f.error, ")\n");
  sample::marks_report();
  return f.failed == 0 && f.received > 0 ? 0 : 1;
}
