// lwIP's SNTP client (apps/sntp) for Ward: started in lwIP's thread, its answers checked here
// before they reach the application's sink (ward/net/sntp.hpp says what the checks are worth).
#include "ward/net/sntp.hpp"

#include <atomic>
#include <string_view>

extern "C" {
#include "lwip/apps/sntp.h"
#include "lwip/ip_addr.h"
#include "lwip/tcpip.h"
}

#include "ward/autoconf.h"
#include "ward/time_floor.h"  // generated (lib/net/CMakeLists.txt): WARD_TIME_FLOOR

namespace ward::net {

const std::int64_t kTimeFloor = WARD_TIME_FLOOR;

namespace {

// Seconds from 1900-01-01 (NTP's era 0) to 1970-01-01.
constexpr std::uint32_t kNtpToUnix = 2'208'988'800u;
// The retry after a refused answer: lwIP's SNTP takes it as valid and would wait a whole poll
// interval; Ward asks again sooner, doubling up to the poll interval.
constexpr std::uint32_t kRefusedRetryMs = 1'000;

#if defined(CONFIG_WARD_NET_SNTP_POLL_S)
constexpr std::uint32_t kPollMs = static_cast<std::uint32_t>(CONFIG_WARD_NET_SNTP_POLL_S) * 1000u;
#else
constexpr std::uint32_t kPollMs = 3'600'000u;  // an image without the networking menu (host tests)
#endif
static_assert(kPollMs >= 15'000, "RFC 4330: at least 15 s between requests");

#if defined(CONFIG_WARD_NET_SNTP_SERVER)
constexpr std::string_view kServer = CONFIG_WARD_NET_SNTP_SERVER;
#else
constexpr std::string_view kServer = "";
#endif
#if defined(CONFIG_WARD_NET_SNTP_PORT)
constexpr std::uint16_t kPort = CONFIG_WARD_NET_SNTP_PORT;
#else
constexpr std::uint16_t kPort = 123;
#endif
#if defined(CONFIG_WARD_NET_SNTP_FROM_DHCP)
constexpr bool kFromDhcp = true;
#else
constexpr bool kFromDhcp = false;
#endif

// Written in lwIP's thread only; read from any (sntp_counts).
std::atomic<TimeSink> sink{nullptr};
std::atomic<std::uint32_t> accepted{0};
std::atomic<std::uint32_t> refused_zero{0};
std::atomic<std::uint32_t> refused_floor{0};
std::atomic<std::uint32_t> last_seconds{0};  // 32 bits: the Cortex-M33 has no 64-bit atomics
std::uint32_t refused_in_a_row = 0;          // lwIP's thread only
std::atomic<bool> started{false};
ip_addr_t server{};

void start_in_lwip(void* /*arg*/) {
  sntp_setoperatingmode(SNTP_OPMODE_POLL);
  if (!ip_addr_isany(&server)) {
    sntp_setserver(0, &server);
  }
  sntp_servermode_dhcp(kFromDhcp ? 1 : 0);
  sntp_init();
}

}  // namespace

std::optional<std::int64_t> check_sntp_time(std::uint32_t ntp_seconds, std::int64_t floor) {
  if (ntp_seconds == 0) {
    return std::nullopt;  // RFC 4330: a transmit timestamp of zero is no time
  }
  // Era 0 covers 1968-2036 (the top bit set from 1968); below that, era 1 (2036-2104), as RFC
  // 4330 section 3 suggests: a time before 1968 is never current.
  const std::int64_t unix_seconds = ntp_seconds >= kNtpToUnix
                                        ? static_cast<std::int64_t>(ntp_seconds - kNtpToUnix)
                                        : static_cast<std::int64_t>(ntp_seconds) + (std::int64_t{1} << 32) - kNtpToUnix;
  if (unix_seconds < floor) {
    return std::nullopt;
  }
  return unix_seconds;
}

Status start_sntp(TimeSink time_sink) {
  if (time_sink == nullptr) {
    return fail(Error::invalid_argument);
  }
  ip_addr_t address{};
  if (!kServer.empty()) {
    char text[48] = {};  // IPADDR_STRLEN_MAX (46) and the terminator
    if (kServer.size() >= sizeof text) {
      return fail(Error::invalid_argument);
    }
    kServer.copy(text, kServer.size());
    if (ipaddr_aton(text, &address) == 0) {
      return fail(Error::invalid_argument);
    }
  } else if (!kFromDhcp) {
    return fail(Error::invalid_argument);
  }
  if (started.exchange(true)) {
    return fail(Error::invalid_state);
  }
  server = address;
  sink.store(time_sink);
  if (tcpip_callback(start_in_lwip, nullptr) != ERR_OK) {
    return fail(Error::no_resources);
  }
  return {};
}

SntpCounts sntp_counts() {
  return {accepted.load(), refused_zero.load(), refused_floor.load(), static_cast<std::int64_t>(last_seconds.load())};
}

}  // namespace ward::net

// lwIP's SNTP calls these (lwipopts.h: SNTP_SET_SYSTEM_TIME_NTP, SNTP_UPDATE_DELAY), in its thread.
extern "C" void ward_sntp_set_time(unsigned int ntp_seconds, unsigned int /*fraction*/) {
  using namespace ward::net;
  const auto t = check_sntp_time(ntp_seconds, kTimeFloor);
  if (!t) {
    (ntp_seconds == 0 ? refused_zero : refused_floor).fetch_add(1);
    ++refused_in_a_row;
    return;
  }
  refused_in_a_row = 0;
  last_seconds.store(static_cast<std::uint32_t>(*t));
  accepted.fetch_add(1);
  if (const TimeSink s = sink.load(); s != nullptr) {
    s(*t);
  }
}

// The server's port: lwIP sends there and takes answers only from it.
extern "C" unsigned short ward_sntp_port(void) { return ward::net::kPort; }

// The delay before the next request after an answer lwIP took: the poll interval, or sooner when
// Ward refused that answer's time.
extern "C" unsigned int ward_sntp_update_delay_ms(void) {
  using namespace ward::net;
  if (refused_in_a_row == 0) {
    return kPollMs;
  }
  const std::uint32_t shift = refused_in_a_row > 16 ? 16 : refused_in_a_row - 1;
  const std::uint64_t delay = static_cast<std::uint64_t>(kRefusedRetryMs) << shift;
  return delay < kPollMs ? static_cast<unsigned int>(delay) : kPollMs;
}
