// The DTLS 1.2 client (lib/tls DtlsClient) attacked from the network (tests/net/dtls_attack_test.py;
// docs/networking.md "DTLS 1.2 client", "Certificate chains"). The test names each case's port and the
// time: --time=UNIX --ports=P,P,... (one per case, in kCases' order). The trust anchor is the build's test CA.
//
// Cases, in kCases' order, each printed as one "attack: <case>: held|BROKE ..." line:
//   hvr_loop   a server that answers every ClientHello with a new HelloVerifyRequest: the handshake
//              must end (handshake) after the fourth ClientHello, not loop forever;
//   hvr_slow   the same, each HelloVerifyRequest sent 3.2 s after its ClientHello: only the
//              handshake's own deadline (4 x handshake_max_ms: 8 s) ends it (timeout);
//   stall      s_server behind a proxy that forwards its first two datagrams only: timeout;
//   spoof      s_server behind a proxy that sends s_server's application records to the device from
//              another source port only (and junk from it throughout): nothing of it may be read;
//   flood      s_server behind a proxy that follows every datagram with junk, oversized datagrams,
//              truncated and reordered copies: the handshake completes, the data comes out exact;
//   dtls10     s_server -dtls1 (DTLS 1.0): refused;
//   cbc        s_server -dtls1_2 with only ECDHE-ECDSA-AES256-SHA384 (CBC): refused;
//   sha1       a leaf signed with SHA-1 by the test CA: BAD_MD;
//   md5        a leaf signed with MD5 by an RSA 2048 intermediate: the leaf is skipped unparsed, the
//              intermediate is then the server's certificate: CN_MISMATCH (kCases);
//   p521, brainpool  leaves on those curves: refused (not compiled, not in the profile);
//   rsa1024    an RSA 1024 intermediate over a P-256 leaf: BAD_KEY;
//   cn_vs_san  CN=ward-tls.test but SAN DNS:other.test: CN_MISMATCH (the CN is not looked at);
//   expired, notyet  the valid chain with the device's clock 60 days later / 1 hour earlier.
// Every wait is bounded; main exits 0 only if every case held.
#include <cstdint>
#include <iterator>
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
constexpr std::uint32_t kServerBytes = 4'000;  // dtls_attack_test.py feeds the same, 1,000 at a time
// X.509 verify flags (mbedtls/x509.h), restated here: this file does not see Mbed TLS.
constexpr std::uint32_t kExpired = 0x01;
constexpr std::uint32_t kCnMismatch = 0x04;
constexpr std::uint32_t kFuture = 0x0200;
constexpr std::uint32_t kBadMd = 0x4000;
constexpr std::uint32_t kBadKey = 0x010000;

const std::span<const std::uint8_t> kAnchors[] = {std::span<const std::uint8_t>{kTestCaDer}};

// Not an Error: "any error" in kCases.
constexpr tls::Error kAny{};

enum class Expect : std::uint8_t { refused, no_data, data };

struct Case {
  const char* name;
  Expect expect;
  tls::Error error;        // refused: the error required (kAny: any error)
  std::uint32_t flag;      // refused: a verify flag required (0: none)
  std::int64_t time_shift; // seconds added to the device's clock for this case
};

constexpr Case kCases[] = {
    {"hvr_loop", Expect::refused, tls::Error::handshake, 0, 0},
    {"hvr_slow", Expect::refused, tls::Error::timeout, 0, 0},
    {"stall", Expect::refused, tls::Error::timeout, 0, 0},
    {"spoof", Expect::no_data, kAny, 0, 0},
    {"flood", Expect::data, kAny, 0, 0},
    {"dtls10", Expect::refused, kAny, 0, 0},
    {"cbc", Expect::refused, kAny, 0, 0},
    {"sha1", Expect::refused, tls::Error::certificate, kBadMd, 0},
    // MD5 is not compiled: Mbed TLS skips a certificate whose signature algorithm it does not know
    // (ssl_parse_certificate_chain, "maybe a prior certificate was already trusted"), so the RSA
    // intermediate after it is taken as the server's certificate and refused for the name (and its
    // key usage), never BAD_MD. Held: the server's key must still be that certificate's.
    {"md5", Expect::refused, tls::Error::certificate, kCnMismatch, 0},
    {"p521", Expect::refused, kAny, 0, 0},
    {"brainpool", Expect::refused, kAny, 0, 0},
    {"rsa1024", Expect::refused, tls::Error::certificate, kBadKey, 0},
    {"cn_vs_san", Expect::refused, tls::Error::certificate, kCnMismatch, 0},
    {"expired", Expect::refused, tls::Error::certificate, kExpired, 60 * 86'400},
    {"notyet", Expect::refused, tls::Error::certificate, kFuture, -3'600},
};

std::uint8_t pattern(std::uint32_t index, std::uint32_t seed) {
  return static_cast<std::uint8_t>(index * 131u + (index >> 8) * 7u + seed);
}

std::uint64_t argument(std::string_view name) { return number_argument(board::command_line(), name); }

// The port of kCases[index]: --ports=P0,P1,... in kCases' order (the command line holds 256 bytes).
std::uint16_t port_of(std::size_t index) {
  const std::string_view line = board::command_line();
  std::size_t at = line.find("--ports=");
  if (at == std::string_view::npos) {
    return 0;
  }
  at += 8;
  for (std::size_t skipped = 0; skipped < index; ++skipped) {
    at = line.find(',', at);
    if (at == std::string_view::npos) {
      return 0;
    }
    ++at;
  }
  std::uint32_t value = 0;
  for (std::size_t i = at; i < line.size() && i < at + 5 && line[i] >= '0' && line[i] <= '9'; ++i) {
    value = value * 10 + static_cast<std::uint32_t>(line[i] - '0');
  }
  return value <= 0xFFFF ? static_cast<std::uint16_t>(value) : 0;
}

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
  o.timeout_ms = 4'000;
  return o;
}

alignas(4) std::byte buffer[4 * 1024];
tls::DtlsClient client;

// Reads until kServerBytes of the pattern came, exact; false on anything else.
bool receive_pattern(const char* name) {
  for (std::uint32_t got = 0; got < kServerBytes;) {
    auto r = client.read({buffer, sizeof buffer});
    if (!r) {
      print("attack: ", name, ": read failed after ", got, " bytes: ", tls::error_name(r.error()), " mbedtls ",
            client.last_error(), '\n');
      return false;
    }
    if (got + *r > kServerBytes) {
      print("attack: ", name, ": more than expected (", got + *r, " bytes)\n");
      return false;
    }
    for (std::size_t i = 0; i < *r; ++i) {
      if (buffer[i] != std::byte{pattern(got + static_cast<std::uint32_t>(i), 2)}) {
        print("attack: ", name, ": byte ", got + i, " differs\n");
        return false;
      }
    }
    got += static_cast<std::uint32_t>(*r);
  }
  return true;
}

bool run(const Case& c, std::uint16_t port, std::int64_t time) {
  tls::set_time(time + c.time_shift);
  const Instant start = now();
  auto connected = client.connect(host_address(), port, kHostname, options());
  const auto ms = (now() - start).to_us() / 1000;
  bool held = false;
  if (c.expect == Expect::refused) {
    const bool open = client.is_open();
    held = !connected && !open && (c.error == kAny || connected.error() == c.error) &&
           (c.flag == 0 || (client.verify_flags() & c.flag) != 0);
  } else if (connected) {
    constexpr std::byte kPing[] = {std::byte{'p'}, std::byte{'i'}, std::byte{'n'}, std::byte{'g'}};
    const bool sent = static_cast<bool>(client.write(kPing));
    print("attack: ", c.name, ": sent, reading\n");  // the test feeds s_server now
    if (c.expect == Expect::data) {
      held = sent && receive_pattern(c.name);
    } else {
      auto r = client.read({buffer, sizeof buffer});
      held = sent && !r && r.error() == tls::Error::timeout;
      if (r) {
        print("attack: ", c.name, ": read ", *r, " bytes that came from another port\n");
      }
    }
  }
  print("attack: ", c.name, ": ", held ? "held" : "BROKE", " (", connected ? "connected" : tls::error_name(connected.error()),
        ", mbedtls ", client.last_error(), ", flags ", client.verify_flags(), ", after ", ms, " ms)\n");
  client.close();
  return held;
}

}  // namespace

int main() {
  const auto time = static_cast<std::int64_t>(argument("--time="));
  if (time == 0) {
    print("attack: usage: --time=UNIX --ports=P,P,... (kCases' order)\n");
    return 1;
  }
  if (!net::start_interface(ethernet, Priority{20}) || !net::wait_for_ipv4(Timeout::after(Duration::s(20)))) {
    print("attack: no network\n");
    return 1;
  }
  if (!tls::init()) {
    print("attack: init failed\n");
    return 1;
  }
  print("attack: network up\n");
  bool ok = true;
  for (std::size_t i = 0; i < std::size(kCases); ++i) {
    ok &= run(kCases[i], port_of(i), time);
  }
  tls::set_time(time);
  print("attack: heap ", tls::heap_peak(), " of ", tls::heap_size(), " bytes at most\n");
  if constexpr (config::stack_usage) {
    const Thread& self = this_thread::current();
    print("stack high-water: main_stack ", self.stack().size() - self.stack_unused(), " B\n");
  }
  print(ok ? "attack: done, every case held\n" : "attack: done, SOME CASE BROKE\n");
  return ok ? 0 : 1;
}
