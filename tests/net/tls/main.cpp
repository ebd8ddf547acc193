// The TLS client on the device against OpenSSL's s_server on this host (tests/net/tls_test.py;
// docs/networking.md, "TLS"). The test starts one s_server per case on 127.0.0.1 (10.0.2.2 from the
// device) and names the ports and the time on the command line:
//   --time=UNIX --tls13=P --tls12=P --wronghost=P --untrusted=P --tls11=P --expired=P
// The trust anchor is the build's test CA, compiled into this (signed) image.
//
// Cases, each printed as one "tls: <case>: ..." line the test checks:
//   no_time    a connection before the calendar time is known is refused (no_time);
//   tls13      TLS 1.3: handshake, 20,000 bytes sent (4 KiB records), 50,152 bytes received from
//              the server, byte for byte (its 16 KiB records), close_notify;
//   tls12      the same over TLS 1.2;
//   wronghost  a valid chain for ward-tls.test, asked for as other.test: refused (certificate,
//              name mismatch);
//   untrusted  a chain from a CA this image does not trust: refused (certificate, not trusted);
//   tls11      a server that speaks TLS 1.1 only: refused (handshake);
//   expired    a chain whose leaf expired in 2021: refused (certificate, expired).
// The image's TLS policy (lib/tls/Kconfig) changes two cases; net_tls_policy is this file built with
// tls/policy.conf (TLS 1.3 minimum, hostname check off):
//   tls12      with a TLS 1.3 minimum, the same -tls1_2 server is refused (handshake), although the
//              caller's options allow TLS 1.2: the policy is the floor;
//   wronghost  with the hostname check off, the chain for ward-tls.test is accepted as other.test
//              (untrusted and expired are still refused: the chain is still verified).
// Every wait is bounded (the TLS timeout, the DHCP wait); main exits 0 only if every case held.
#include <cstdint>
#include <cstring>
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
#include "ward/tls/client.hpp"
#include "ward/tls/policy.hpp"

namespace {
using namespace ward;

net::Lan9118 ethernet{{0x42000000, 48}};

constexpr std::string_view kHostname = "ward-tls.test";
constexpr std::uint32_t kClientBytes = 20'000;
constexpr std::uint32_t kServerBytes = 3 * 16'384 + 1'000;  // tls_test.py writes the same
// X.509 verify flags (mbedtls/x509.h), restated here: this file does not see Mbed TLS.
constexpr std::uint32_t kBadcertExpired = 0x01;
constexpr std::uint32_t kBadcertCnMismatch = 0x04;
constexpr std::uint32_t kBadcertNotTrusted = 0x08;

const std::span<const std::uint8_t> kAnchors[] = {std::span<const std::uint8_t>{kTestCaDer}};

// The byte at `index` of the stream with `seed`: tls_test.py computes the same.
std::uint8_t pattern(std::uint32_t index, std::uint32_t seed) {
  return static_cast<std::uint8_t>(index * 131u + (index >> 8) * 7u + seed);
}

std::uint64_t argument(std::string_view name) { return number_argument(board::command_line(), name); }

ip_addr_t host_address() {
  ip_addr_t a;
  IP_ADDR4(&a, 10, 0, 2, 2);  // slirp's gateway: this host's 127.0.0.1
  return a;
}

tls::ClientOptions options(tls::Version version) {
  tls::ClientOptions o;
  o.trust_anchors = kAnchors;
  o.min_version = tls::Version::tls1_2;
  o.max_version = version;
  o.timeout_ms = 20'000;
  return o;
}

alignas(4) std::byte buffer[16 * 1024 + 64];
tls::Client client;

bool send_pattern() {
  for (std::uint32_t sent = 0; sent < kClientBytes;) {
    const std::uint32_t n = kClientBytes - sent < 6000 ? kClientBytes - sent : 6000;
    for (std::uint32_t i = 0; i < n; ++i) {
      buffer[i] = std::byte{pattern(sent + i, 1)};
    }
    auto w = client.write({buffer, n});
    if (!w || *w != n) {
      print("tls: write failed: ", w ? "short" : tls::error_name(w.error()), " mbedtls ", client.last_error(), '\n');
      return false;
    }
    sent += n;
  }
  return true;
}

// Reads kServerBytes and checks each; returns the largest single read (one record's content).
std::uint32_t receive_pattern(bool& ok) {
  std::uint32_t largest = 0;
  ok = false;
  for (std::uint32_t got = 0; got < kServerBytes;) {
    auto r = client.read({buffer, sizeof buffer});
    if (!r) {
      print("tls: read failed after ", got, " bytes: ", tls::error_name(r.error()), " mbedtls ", client.last_error(),
            '\n');
      return largest;
    }
    for (std::size_t i = 0; i < *r; ++i) {
      if (buffer[i] != std::byte{pattern(got + static_cast<std::uint32_t>(i), 2)}) {
        print("tls: byte ", got + i, " differs\n");
        return largest;
      }
    }
    largest = *r > largest ? static_cast<std::uint32_t>(*r) : largest;
    got += static_cast<std::uint32_t>(*r);
    if (got > kServerBytes) {
      print("tls: more than expected\n");
      return largest;
    }
  }
  ok = true;
  return largest;
}

bool exchange(const char* name, std::uint16_t port, tls::Version version) {
  const Instant start = now();
  const auto address = host_address();
  if (auto c = client.connect(address, port, kHostname, options(version)); !c) {
    print("tls: ", name, ": FAILED to connect: ", tls::error_name(c.error()), " mbedtls ", client.last_error(),
          " flags ", client.verify_flags(), '\n');
    return false;
  }
  const auto handshake_ms = (now() - start).to_us() / 1000;
  const bool right_version = client.version() == version;
  const std::size_t heap_after_handshake = tls::heap_peak();
  const bool sent = send_pattern();
  bool received = false;
  const std::uint32_t largest = sent ? receive_pattern(received) : 0;
  print("tls: ", name, ": ", right_version && sent && received ? "ok" : "FAILED", " version ",
        client.version() == tls::Version::tls1_3 ? "1.3" : "1.2", " suite ", client.ciphersuite(), " handshake ",
        handshake_ms, " ms, sent ", sent ? kClientBytes : 0, " received ", received ? kServerBytes : 0,
        " largest record ", largest, " heap high-water ", heap_after_handshake, '\n');
  client.close();
  return right_version && sent && received && largest == 16'384;
}

bool refused(const char* name, std::uint16_t port, std::string_view hostname, tls::Error expected,
             std::uint32_t flag, tls::Version version = tls::Version::tls1_3) {
  const auto address = host_address();
  auto c = client.connect(address, port, hostname, options(version));
  const bool open = client.is_open();
  client.close();
  const bool ok = !c && c.error() == expected && !open && (flag == 0 || (client.verify_flags() & flag) != 0);
  print("tls: ", name, ": ", ok ? "refused" : "NOT REFUSED AS EXPECTED", " (", c ? "connected" : tls::error_name(c.error()),
        ", mbedtls ", client.last_error(), ", flags ", client.verify_flags(), ")\n");
  return ok;
}

// A connection the policy lets through although the name does not match (hostname check off).
bool accepted(const char* name, std::uint16_t port, std::string_view hostname) {
  const auto address = host_address();
  auto c = client.connect(address, port, hostname, options(tls::Version::tls1_3));
  const bool open = client.is_open();
  client.close();
  const bool ok = c && open;
  print("tls: ", name, ": ", ok ? "accepted" : "NOT ACCEPTED AS EXPECTED", " (", c ? "connected" : tls::error_name(c.error()),
        ", mbedtls ", client.last_error(), ", flags ", client.verify_flags(), ")\n");
  return ok;
}

}  // namespace

int main() {
  const std::uint64_t time = argument("--time=");
  const auto port = [](std::string_view n) { return static_cast<std::uint16_t>(argument(n)); };
  if (time == 0 || port("--tls13=") == 0) {
    print("tls: usage: --time=UNIX --tls13=P --tls12=P --wronghost=P --untrusted=P --tls11=P --expired=P\n");
    return 1;
  }
  if (!net::start_interface(ethernet, Priority{20}) || !net::wait_for_ipv4(Timeout::after(Duration::s(20)))) {
    print("tls: no network\n");
    return 1;
  }
  if (!tls::init()) {
    print("tls: init failed\n");
    return 1;
  }
  const tls::Policy& policy = tls::image_policy();
  print("tls: network up, policy: minimum ", policy.min_version == tls::Version::tls1_3 ? "1.3" : "1.2",
        " verify ", policy.verify_peer ? "required" : "off", " hostname ", policy.hostname_check ? "checked" : "unchecked",
        '\n');
  bool ok = refused("no_time", port("--tls13="), kHostname, tls::Error::no_time, 0);
  tls::set_time(static_cast<std::int64_t>(time));
  ok &= exchange("tls13", port("--tls13="), tls::Version::tls1_3);
  if constexpr (config::tls_min_version == 13) {
    ok &= refused("tls12", port("--tls12="), kHostname, tls::Error::handshake, 0);
  } else {
    ok &= exchange("tls12", port("--tls12="), tls::Version::tls1_2);
  }
  if constexpr (config::tls_hostname_check) {
    ok &= refused("wronghost", port("--wronghost="), "other.test", tls::Error::certificate, kBadcertCnMismatch);
  } else {
    ok &= accepted("wronghost", port("--wronghost="), "other.test");
  }
  ok &= refused("untrusted", port("--untrusted="), kHostname, tls::Error::certificate, kBadcertNotTrusted);
  ok &= refused("tls11", port("--tls11="), kHostname, tls::Error::handshake, 0);
  ok &= refused("expired", port("--expired="), kHostname, tls::Error::certificate, kBadcertExpired);
  print("tls: heap ", tls::heap_peak(), " of ", tls::heap_size(), " bytes at most\n");
  if constexpr (config::stack_usage) {
    // The handshakes' high-water mark, which tls_test.py compares with the build's bound.
    const Thread& self = this_thread::current();
    print("stack high-water: main_stack ", self.stack().size() - self.stack_unused(), " B\n");
  }
  print(ok ? "tls: done, every case held\n" : "tls: done, SOME CASE FAILED\n");
  return ok ? 0 : 1;
}
