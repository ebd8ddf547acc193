// The calendar time from SNTP (RFC 4330), for whoever needs it (certificate validity: tls::set_time).
//
// lwIP's own SNTP client (apps/sntp, built into ward_lwip) runs in lwIP's thread (tcpip_thread):
// it sends the requests, parses the answers and checks them -- the answer must come from the
// server asked, from port 123, be 48 bytes in server mode, carry our request's transmit timestamp
// as its originate timestamp (SNTP_CHECK_RESPONSE 2; Ward's transmit timestamp is a random
// nonce, lwipopts.h), and a stratum-0 answer (kiss-of-death) is never used: lwIP backs off. Ward
// writes no SNTP parsing: this module only checks the time lwIP hands over (check_sntp_time)
// before passing it to the sink (no libFuzzer target: lwIP parses; the check is host-tested).
//
// What unauthenticated SNTP gives, and what it does not:
//   - An off-path attacker must guess the 64-bit nonce and the source port: it cannot set the time.
//   - An on-path attacker (or whoever runs DHCP on the link, with WARD_NET_SNTP_FROM_DHCP, or the
//     server itself) can move the clock to any time it likes at or after the floor: forward, to
//     make valid certificates look expired (a denial of service), or back to the floor, to make
//     certificates that expired since the build look valid again (a revoked or leaked key's
//     certificate that has expired since is accepted again). It can also withhold the time
//     (TLS then refuses every connection: Error::no_time).
//   - The floor (kTimeFloor: the time of the commit built, SOURCE_DATE_EPOCH) bounds how far back:
//     never before the image was built, so a certificate that had already expired when the image
//     was made is never accepted. Answers of time zero (an unsynchronised server) are refused.
//   For more, the time must come authenticated (NTS, RFC 8915, or a signed time from a service).
#pragma once
#include <cstdint>
#include <optional>

#include "ward/kernel.hpp"

namespace ward::net {

// Where an accepted time goes: seconds since 1970-01-01 UTC. Called in lwIP's thread, so it must
// not block (tls::set_time fits: it stores two words).
using TimeSink = void (*)(std::int64_t unix_seconds);

// The earliest time accepted: when the commit built was made (WARD_TIME_FLOOR, generated).
extern const std::int64_t kTimeFloor;

// Starts lwIP's SNTP client on the configured server (CONFIG_WARD_NET_SNTP_SERVER; the DHCP
// lease's NTP server when CONFIG_WARD_NET_SNTP_FROM_DHCP), polling every
// CONFIG_WARD_NET_SNTP_POLL_S seconds; each answer that passes check_sntp_time goes to `sink`.
// After start_interface; once per boot. invalid_argument: the configured server is not an
// address, or none is configured and DHCP may not supply one.
Status start_sntp(TimeSink sink);

// The checks on a time lwIP accepted (its transmit timestamp: NTP seconds since 1900, era 0 up to
// 2036, then era 1): refused when zero (no time) or before `floor`; otherwise the Unix time.
std::optional<std::int64_t> check_sntp_time(std::uint32_t ntp_seconds, std::int64_t floor);

struct SntpCounts {
  std::uint32_t accepted;       // answers passed to the sink
  std::uint32_t refused_zero;   // transmit timestamp zero
  std::uint32_t refused_floor;  // before kTimeFloor
  std::int64_t last;            // the last accepted time (0: none)
};
SntpCounts sntp_counts();

}  // namespace ward::net
