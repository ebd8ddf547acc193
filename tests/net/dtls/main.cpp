// The DTLS 1.2 client on the device against OpenSSL's s_server -dtls1_2 on this host
// (tests/net/dtls_test.py; docs/networking.md, "DTLS"). The test names the ports and the time:
//   --time=UNIX --dtls12=P --replay=P --wronghost=P --untrusted=P --silent=P
// The trust anchor is the build's test CA, compiled into this (signed) image.
//
// Cases, each printed as one "dtls: <case>: ..." line the test checks:
//   no_time    a connection before the calendar time is known is refused (no_time);
//   dtls12     s_server -dtls1_2 -listen (a HelloVerifyRequest cookie first): handshake, 16
//              datagrams of 1,000 bytes sent, then 8,000 bytes received from the server, byte for
//              byte, close_notify;
//   replay     the same through the test's proxy, which sends every datagram of the server twice:
//              the copies must be dropped (anti-replay), so the bytes still come out exact;
//   wronghost  the valid chain for ward-tls.test, asked for as other.test: refused (certificate,
//              name mismatch);
//   untrusted  a chain from a CA this image does not trust: refused (certificate, not trusted);
//   silent     a port where nothing answers: the ClientHello is sent again at 500 ms and 1 s, then
//              the handshake fails (timeout) -- the test counts the datagrams (bounded).
// Every wait is bounded; main exits 0 only if every case held.
#include <cstdint>
#include <string_view>

extern "C" {
#include "lwip/ip_addr.h"
}

#include "kTestCaDer.hpp"  // generated: the test CA (tests/net/CMakeLists.txt)
#include "ward/board.hpp"
#include "ward/command_line.hpp"
#include "ward/config.hpp"
#include "ward/kernel.hpp"
#include "ward/net/interface.hpp"
#include "ward/net/lan9118.hpp"
#include "ward/print.hpp"
#include "ward/tls/dtls.hpp"
#include "ward/tls/policy.hpp"

namespace {
using namespace ward;

static_assert(config::tls_dtls, "this image is built with CONFIG_WARD_TLS_DTLS");

net::Lan9118 ethernet{{0x42000000, 48}};

constexpr std::string_view kHostname = "ward-tls.test";
constexpr std::uint32_t kDatagram = 1'000;
constexpr std::uint32_t kClientDatagrams = 16;
constexpr std::uint32_t kServerBytes = 8'000;  // dtls_test.py writes the same, 1,000 at a time
// X.509 verify flags (mbedtls/x509.h), restated here: this file does not see Mbed TLS.
constexpr std::uint32_t kBadcertCnMismatch = 0x04;
constexpr std::uint32_t kBadcertNotTrusted = 0x08;

const std::span<const std::uint8_t> kAnchors[] = {std::span<const std::uint8_t>{kTestCaDer}};

// The byte at `index` of the stream with `seed`: dtls_test.py computes the same.
std::uint8_t pattern(std::uint32_t index, std::uint32_t seed) {
  return static_cast<std::uint8_t>(index * 131u + (index >> 8) * 7u + seed);
}

std::uint64_t argument(std::string_view name) { return number_argument(board::command_line(), name); }

ip_addr_t host_address() {
  ip_addr_t a;
  IP_ADDR4(&a, 10, 0, 2, 2);  // slirp's gateway: this host's 127.0.0.1
  return a;
}

tls::DtlsOptions options() {
  tls::DtlsOptions o;
  o.trust_anchors = kAnchors;
  o.handshake_min_ms = 500;
  o.handshake_max_ms = 2'000;
  o.timeout_ms = 20'000;
  return o;
}

alignas(4) std::byte buffer[4 * 1024];
tls::DtlsClient client;

bool send_pattern() {
  if (client.max_write() < kDatagram) {
    print("dtls: max_write ", client.max_write(), " below ", kDatagram, '\n');
    return false;
  }
  for (std::uint32_t d = 0; d < kClientDatagrams; ++d) {
    for (std::uint32_t i = 0; i < kDatagram; ++i) {
      buffer[i] = std::byte{pattern(d * kDatagram + i, 1)};
    }
    auto w = client.write({buffer, kDatagram});
    if (!w || *w != kDatagram) {
      print("dtls: write failed: ", w ? "short" : tls::error_name(w.error()), " mbedtls ", client.last_error(), '\n');
      return false;
    }
    // s_server reads one datagram per select: give it a moment rather than fill its socket.
    (void)this_thread::sleep_for(Duration::ms(5));
  }
  return true;
}

bool receive_pattern() {
  for (std::uint32_t got = 0; got < kServerBytes;) {
    auto r = client.read({buffer, sizeof buffer});
    if (!r) {
      print("dtls: read failed after ", got, " bytes: ", tls::error_name(r.error()), " mbedtls ", client.last_error(),
            '\n');
      return false;
    }
    if (got + *r > kServerBytes) {
      print("dtls: more than expected (", got + *r, " bytes): a record twice?\n");
      return false;
    }
    for (std::size_t i = 0; i < *r; ++i) {
      if (buffer[i] != std::byte{pattern(got + static_cast<std::uint32_t>(i), 2)}) {
        print("dtls: byte ", got + i, " differs\n");
        return false;
      }
    }
    got += static_cast<std::uint32_t>(*r);
  }
  return true;
}

bool exchange(const char* name, std::uint16_t port) {
  const Instant start = now();
  if (auto c = client.connect(host_address(), port, kHostname, options()); !c) {
    print("dtls: ", name, ": FAILED to connect: ", tls::error_name(c.error()), " mbedtls ", client.last_error(),
          " flags ", client.verify_flags(), '\n');
    return false;
  }
  const auto handshake_ms = (now() - start).to_us() / 1000;
  print("dtls: ", name, ": handshake done in ", handshake_ms, " ms, suite ", client.ciphersuite(), ", max write ",
        client.max_write(), '\n');
  const bool sent = send_pattern();
  // dtls_test.py feeds s_server's stdin once it sees this line (the device is then reading).
  print("dtls: ", name, ": sent, reading\n");
  const bool received = sent && receive_pattern();
  print("dtls: ", name, ": ", sent && received ? "ok" : "FAILED", " sent ", sent ? kClientDatagrams * kDatagram : 0,
        " received ", received ? kServerBytes : 0, " heap high-water ", tls::heap_peak(), '\n');
  client.close();
  return sent && received;
}

bool refused(const char* name, std::uint16_t port, std::string_view hostname, tls::Error expected,
             std::uint32_t flag) {
  const Instant start = now();
  auto c = client.connect(host_address(), port, hostname, options());
  const auto ms = (now() - start).to_us() / 1000;
  const bool open = client.is_open();
  client.close();
  const bool ok = !c && c.error() == expected && !open && (flag == 0 || (client.verify_flags() & flag) != 0);
  print("dtls: ", name, ": ", ok ? "refused" : "NOT REFUSED AS EXPECTED", " (",
        c ? "connected" : tls::error_name(c.error()), ", mbedtls ", client.last_error(), ", flags ",
        client.verify_flags(), ", after ", ms, " ms)\n");
  return ok;
}

}  // namespace

int main() {
  const std::uint64_t time = argument("--time=");
  const auto port = [](std::string_view n) { return static_cast<std::uint16_t>(argument(n)); };
  if (time == 0 || port("--dtls12=") == 0) {
    print("dtls: usage: --time=UNIX --dtls12=P --replay=P --wronghost=P --untrusted=P --silent=P\n");
    return 1;
  }
  if (!net::start_interface(ethernet, Priority{20}) || !net::wait_for_ipv4(Timeout::after(Duration::s(20)))) {
    print("dtls: no network\n");
    return 1;
  }
  if (!tls::init()) {
    print("dtls: init failed\n");
    return 1;
  }
  print("dtls: network up\n");
  bool ok = refused("no_time", port("--dtls12="), kHostname, tls::Error::no_time, 0);
  tls::set_time(static_cast<std::int64_t>(time));
  ok &= exchange("dtls12", port("--dtls12="));
  ok &= exchange("replay", port("--replay="));
  ok &= refused("wronghost", port("--wronghost="), "other.test", tls::Error::certificate, kBadcertCnMismatch);
  ok &= refused("untrusted", port("--untrusted="), kHostname, tls::Error::certificate, kBadcertNotTrusted);
  ok &= refused("silent", port("--silent="), kHostname, tls::Error::timeout, 0);
  print("dtls: heap ", tls::heap_peak(), " of ", tls::heap_size(), " bytes at most\n");
  if constexpr (config::stack_usage) {
    const Thread& self = this_thread::current();
    print("stack high-water: main_stack ", self.stack().size() - self.stack_unused(), " B\n");
  }
  print(ok ? "dtls: done, every case held\n" : "dtls: done, SOME CASE FAILED\n");
  return ok ? 0 : 1;
}
