// The calendar time from SNTP (ward/net/sntp.hpp) feeding the TLS client (tests/net/sntp_test.py).
// The test runs an SNTP responder on this host (10.0.2.2:123 from the device, in its private
// network namespace) and `openssl s_server` for ward-tls.test with a certificate from the test CA;
// it names the server's port and how long to wait for the time: --server=P --wait=S.
//
// The device starts SNTP with tls::set_time as its sink, waits until the TLS client has a time
// (or --wait= seconds), prints what SNTP accepted and refused and the TLS calendar time, then
// connects to the server: the test checks, per responder mode, that the time is the one served
// and the chain verified, or that no time was taken and TLS refused with no_time.
#include <cstdint>
#include <string_view>

extern "C" {
#include "lwip/ip_addr.h"
}

#include "kTestCaDer.hpp"  // generated: the test CA (tests/net/CMakeLists.txt)
#include "ward/board.hpp"
#include "ward/command_line.hpp"
#include "ward/kernel.hpp"
#include "ward/net/interface.hpp"
#include "ward/net/lan9118.hpp"
#include "ward/net/sntp.hpp"
#include "ward/print.hpp"
#include "ward/tls/client.hpp"

namespace {
using namespace ward;

net::Lan9118 ethernet{{0x42000000, 48}};

const std::span<const std::uint8_t> kAnchors[] = {std::span<const std::uint8_t>{kTestCaDer}};

std::uint64_t argument(std::string_view name) { return number_argument(board::command_line(), name); }

tls::Client client;

}  // namespace

int main() {
  const std::uint64_t port = argument("--server=");
  const std::uint64_t wait_s = argument("--wait=");
  if (port == 0 || port > 65535 || wait_s == 0 || wait_s > 60) {
    print("sntp: usage: --server=PORT --wait=SECONDS\n");
    return 1;
  }
  if (!net::start_interface(ethernet, Priority{20}) || !net::wait_for_ipv4(Timeout::after(Duration::s(20))) ||
      !tls::init()) {
    print("sntp: no network or no TLS\n");
    return 1;
  }
  if (tls::has_time()) {
    print("sntp: FAIL: a time before SNTP\n");
    return 1;
  }
  if (auto s = net::start_sntp(&tls::set_time); !s) {
    print("sntp: start_sntp failed\n");
    return 1;
  }
  for (std::uint64_t i = 0; i < wait_s * 10 && !tls::has_time(); ++i) {  // bounded: --wait= seconds
    (void)this_thread::sleep_for(Duration::ms(100));
  }
  const net::SntpCounts c = net::sntp_counts();
  print("sntp: accepted ", c.accepted, " refused_zero ", c.refused_zero, " refused_floor ", c.refused_floor,
        " last ", static_cast<std::uint32_t>(c.last), " floor ", static_cast<std::uint32_t>(net::kTimeFloor),
        " tls_time ", static_cast<std::uint32_t>(tls::time_now()), '\n');

  ip_addr_t host;
  IP_ADDR4(&host, 10, 0, 2, 2);  // slirp's gateway: this host's 127.0.0.1
  tls::ClientOptions options;
  options.trust_anchors = kAnchors;
  options.timeout_ms = 20'000;
  const auto s = client.connect(host, static_cast<std::uint16_t>(port), "ward-tls.test", options);
  print("sntp: tls ", s ? "ok" : tls::error_name(s.error()), " flags ", s ? 0u : client.verify_flags(), '\n');
  client.close();
  print("sntp: done\n");
  return 0;
}
