// Certificate chains signed with ECDSA P-384 and RSA 2048-4096 (docs/networking.md "Certificate
// chains"), verified by the TLS client against OpenSSL's s_server on this host
// (tests/net/tls_chains_test.py). The trust anchors are three roots the build made with openssl
// and compiled into this (signed) image: P-384, RSA 2048 and RSA 4096. The servers' chains are made
// at test time from them. The test names the time and one port per case, in the order of kCases:
//   --time=UNIX --ports=P1,P2,...
//
// Every case is one "chains: <case>: ..." line the test checks, with the handshake's wall time:
//   p384_13        P-384 root -> P-384 leaf (ecdsa-with-SHA384), TLS 1.3 (CertificateVerify
//                  ecdsa_secp384r1_sha384); 2,000 bytes each way;
//   p384_12        the same chain over TLS 1.2 (ECDHE-ECDSA);
//   p384_mixed     P-384 root -> P-256 intermediate -> P-384 leaf, TLS 1.3;
//   rsa2048_13     RSA 2048 root -> RSA 2048 leaf (sha256WithRSAEncryption), TLS 1.3 (RSA-PSS
//                  CertificateVerify, rsa_pss_rsae_*);
//   rsa2048_12     the same chain over TLS 1.2, s_server limited to PKCS#1 v1.5 signatures
//                  (ServerKeyExchange rsa_pkcs1_sha256);
//   rsa3072_13     RSA 4096 root -> RSA 3072 intermediate -> RSA 3072 leaf (sha384WithRSAEncryption),
//                  TLS 1.3;
//   rsa4096_13     RSA 4096 root -> RSA 4096 leaf (sha512WithRSAEncryption), TLS 1.3;
//   rsa4096_12     the same chain from a TLS 1.2-only server, the client offering 1.2 and 1.3 (the
//                  default options): a PKCS#1 v1.5 ServerKeyExchange, as Ward's signature algorithm
//                  list puts it before PSS (lib/tls/src/client.cpp);
//   rsa_pss_certs  RSA 2048 root -> RSA 2048 leaf signed with RSASSA-PSS (SHA-256), TLS 1.3;
// and refused, each with the error and X.509 flag expected:
//   rsa_pss12      the rsa2048 chain from a TLS 1.2 server that signs its ServerKeyExchange with
//                  rsa_pss_rsae_sha256 only, the client offering 1.2 and 1.3: handshake (the pinned
//                  Mbed TLS 3.6.6 does not accept PSS in TLS 1.2, docs/networking.md);
//   rsa_badsig     the rsa2048 chain with one byte of the leaf's signature changed: certificate,
//                  not trusted;
//   rsa1024        RSA 2048 root -> RSA 1024 leaf (correctly signed): certificate, bad key (the
//                  profile's 2048-bit minimum);
//   p384_wrongca   a P-384 leaf from another P-384 root with the anchor's name: certificate, not
//                  trusted.
// Every wait is bounded (the TLS timeout, the DHCP wait); main exits 0 only if every case held.
#include <cstdint>
#include <string_view>

extern "C" {
#include "lwip/ip_addr.h"
}

#include "kChainsP384Der.hpp"     // generated: the P-384 root (tests/net/CMakeLists.txt)
#include "kChainsRsa2048Der.hpp"  // the RSA 2048 root
#include "kChainsRsa4096Der.hpp"  // the RSA 4096 root
#include "ward/board.hpp"
#include "ward/config.hpp"
#include "ward/kernel.hpp"
#include "ward/net/interface.hpp"
#include "ward/net/lan9118.hpp"
#include "ward/print.hpp"
#include "ward/tls/client.hpp"

namespace {
using namespace ward;

net::Lan9118 ethernet{{0x42000000, 48}};

constexpr std::string_view kHostname = "ward-tls.test";
constexpr std::uint32_t kBytes = 2'000;  // each way; tls_chains_test.py writes and expects the same
// X.509 verify flags (mbedtls/x509.h), restated here: this file does not see Mbed TLS.
constexpr std::uint32_t kBadcertNotTrusted = 0x08;
constexpr std::uint32_t kBadcertBadKey = 0x010000;

const std::span<const std::uint8_t> kAnchors[] = {std::span<const std::uint8_t>{kChainsP384Der},
                                                  std::span<const std::uint8_t>{kChainsRsa2048Der},
                                                  std::span<const std::uint8_t>{kChainsRsa4096Der}};

struct Case {
  const char* name;
  tls::Version min, max;         // the client's options
  tls::Version version;          // the version the session must have
  bool refused;                  // else the chain must verify and data go both ways
  tls::Error error;              // when refused: the error
  std::uint32_t flag;            // when refused: an X.509 flag that must be set (0: none)
};
constexpr auto k12 = tls::Version::tls1_2;
constexpr auto k13 = tls::Version::tls1_3;

// The order of --ports= (tls_chains_test.py's CASES).
constexpr Case kCases[] = {
    {"p384_13", k13, k13, k13, false, {}, 0},
    {"p384_12", k12, k12, k12, false, {}, 0},
    {"p384_mixed", k13, k13, k13, false, {}, 0},
    {"rsa2048_13", k13, k13, k13, false, {}, 0},
    {"rsa2048_12", k12, k12, k12, false, {}, 0},
    {"rsa3072_13", k13, k13, k13, false, {}, 0},
    {"rsa4096_13", k13, k13, k13, false, {}, 0},
    {"rsa4096_12", k12, k13, k12, false, {}, 0},
    {"rsa_pss_certs", k13, k13, k13, false, {}, 0},
    {"rsa_pss12", k12, k13, k12, true, tls::Error::handshake, 0},
    {"rsa_badsig", k12, k12, k12, true, tls::Error::certificate, kBadcertNotTrusted},
    {"rsa1024", k13, k13, k13, true, tls::Error::certificate, kBadcertBadKey},
    {"p384_wrongca", k13, k13, k13, true, tls::Error::certificate, kBadcertNotTrusted},
};
constexpr std::size_t kCaseCount = sizeof kCases / sizeof kCases[0];

// The byte at `index` of the stream with `seed`: tls_chains_test.py computes the same.
std::uint8_t pattern(std::uint32_t index, std::uint32_t seed) {
  return static_cast<std::uint8_t>(index * 131u + (index >> 8) * 7u + seed);
}

// The decimal number at `at` in `line` (at most 12 digits; 0 without one); `at` is left after it.
std::uint64_t number_at(std::string_view line, std::size_t& at) {
  std::uint64_t value = 0;
  const std::size_t end = at + 12 < line.size() ? at + 12 : line.size();
  while (at < end && line[at] >= '0' && line[at] <= '9') {
    value = value * 10 + static_cast<std::uint64_t>(line[at] - '0');
    ++at;
  }
  return value;
}

ip_addr_t host_address() {
  ip_addr_t a;
  IP_ADDR4(&a, 10, 0, 2, 2);  // slirp's gateway: this host's 127.0.0.1
  return a;
}

alignas(4) std::byte buffer[16 * 1024 + 64];
tls::Client client;

bool exchange_data() {
  for (std::uint32_t i = 0; i < kBytes; ++i) {
    buffer[i] = std::byte{pattern(i, 1)};
  }
  auto w = client.write({buffer, kBytes});
  if (!w || *w != kBytes) {
    print("chains: write failed: ", w ? "short" : tls::error_name(w.error()), '\n');
    return false;
  }
  for (std::uint32_t got = 0; got < kBytes;) {
    auto r = client.read({buffer, sizeof buffer});
    if (!r) {
      print("chains: read failed after ", got, " bytes: ", tls::error_name(r.error()), " mbedtls ",
            client.last_error(), '\n');
      return false;
    }
    if (got + *r > kBytes) {
      print("chains: more than expected\n");
      return false;
    }
    for (std::size_t i = 0; i < *r; ++i) {
      if (buffer[i] != std::byte{pattern(got + static_cast<std::uint32_t>(i), 2)}) {
        print("chains: byte ", got + i, " differs\n");
        return false;
      }
    }
    got += static_cast<std::uint32_t>(*r);
  }
  return true;
}

bool run(const Case& c, std::uint16_t port) {
  tls::ClientOptions o;
  o.trust_anchors = kAnchors;
  o.min_version = c.min;
  o.max_version = c.max;
  o.timeout_ms = 20'000;
  const Instant start = now();
  const auto address = host_address();
  auto connected = client.connect(address, port, kHostname, o);
  const auto handshake_ms = (now() - start).to_us() / 1000;
  const char* v = c.max == tls::Version::tls1_3 ? "1.3" : "1.2";
  if (c.refused) {
    const bool open = client.is_open();
    client.close();
    const bool ok = !connected && connected.error() == c.error && !open &&
                    (c.flag == 0 || (client.verify_flags() & c.flag) != 0);
    print("chains: ", c.name, ": ", ok ? "refused" : "NOT REFUSED AS EXPECTED", " (",
          connected ? "connected" : tls::error_name(connected.error()), ", mbedtls ", client.last_error(), ", flags ",
          client.verify_flags(), ") offering up to ", v, " in ", handshake_ms, " ms\n");
    return ok;
  }
  if (!connected) {
    print("chains: ", c.name, ": FAILED to connect: ", tls::error_name(connected.error()), " mbedtls ",
          client.last_error(), " flags ", client.verify_flags(), '\n');
    return false;
  }
  const bool right_version = client.version() == c.version;
  const std::size_t heap = tls::heap_peak();
  const bool data = exchange_data();
  const bool ok = right_version && data;
  print("chains: ", c.name, ": ", ok ? "ok" : "FAILED", " version ", client.version() == tls::Version::tls1_3 ? "1.3" : "1.2",
        " suite ", client.ciphersuite(), " handshake ", handshake_ms, " ms heap high-water ", heap, '\n');
  client.close();
  return ok;
}

}  // namespace

int main() {
  const std::string_view line = board::command_line();
  std::size_t at = line.find("--time=");
  const std::uint64_t time = at == std::string_view::npos ? 0 : number_at(line, at += 7);
  std::uint16_t ports[kCaseCount] = {};
  at = line.find("--ports=");
  std::size_t count = 0;
  if (at != std::string_view::npos) {
    at += 8;
    for (; count < kCaseCount; ++count) {
      ports[count] = static_cast<std::uint16_t>(number_at(line, at));
      if (at >= line.size() || line[at] != ',') {
        ++count;
        break;
      }
      ++at;
    }
  }
  if (time == 0 || count != kCaseCount) {
    print("chains: usage: --time=UNIX --ports=P1,...,P", kCaseCount, '\n');
    return 1;
  }
  if (!net::start_interface(ethernet, Priority{20}) || !net::wait_for_ipv4(Timeout::after(Duration::s(20)))) {
    print("chains: no network\n");
    return 1;
  }
  if (!tls::init()) {
    print("chains: init failed\n");
    return 1;
  }
  tls::set_time(static_cast<std::int64_t>(time));
  bool ok = true;
  for (std::size_t i = 0; i < kCaseCount; ++i) {
    ok &= run(kCases[i], ports[i]);
  }
  print("chains: heap ", tls::heap_peak(), " of ", tls::heap_size(), " bytes at most\n");
  if constexpr (config::stack_usage) {
    // The handshakes' high-water mark, which tls_chains_test.py compares with the build's bound.
    const Thread& self = this_thread::current();
    print("stack high-water: main_stack ", self.stack().size() - self.stack_unused(), " B\n");
  }
  print(ok ? "chains: done, every case held\n" : "chains: done, SOME CASE FAILED\n");
  return ok ? 0 : 1;
}
