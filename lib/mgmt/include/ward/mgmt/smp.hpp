// SMP, the Simple Management Protocol of mcumgr (Zephyr's "SMP Protocol Specification"): every
// request and response is an 8-byte header and a CBOR map.
//
//   byte 0   bits 7..5 reserved (0), bits 4..3 version (0: SMP 1, 1: SMP 2), bits 2..0 op
//   byte 1   flags (none defined: 0)
//   byte 2-3 length of the CBOR data that follows (big-endian)
//   byte 4-5 group (big-endian)
//   byte 6   sequence number (the response repeats the request's)
//   byte 7   command id within the group
//
// Multi-byte fields are big-endian ("network" order): the specification once allowed both, but every
// implementation reads them big-endian. Errors come back in the response's map: SMP 1 as
// {"rc": mcumgr error}; SMP 2 keeps "rc" for the protocol's own errors and reports a group's own
// error as {"err": {"group": g, "rc": group error}}.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace ward::mgmt {

inline constexpr std::size_t kHeaderBytes = 8;

enum class Op : std::uint8_t { read = 0, read_response = 1, write = 2, write_response = 3 };

// The two versions this server speaks; the field's values 2 and 3 are answered "too new".
enum class Version : std::uint8_t { smp1 = 0, smp2 = 1 };

struct Header {
  std::uint8_t op = 0;       // raw: 0..7 (values above 3 are not operations)
  std::uint8_t version = 0;  // raw: 0..3
  std::uint8_t flags = 0;
  std::uint16_t length = 0;  // bytes of CBOR data after the header
  std::uint16_t group = 0;
  std::uint8_t sequence = 0;
  std::uint8_t id = 0;

  friend constexpr bool operator==(const Header&, const Header&) = default;
};

// Decodes the first 8 bytes. std::nullopt when the input is shorter than a header or the reserved
// bits are set (a peer that sets them does not speak this protocol).
std::optional<Header> parse_header(std::span<const std::byte> in);
// Encodes `h`; the reserved bits are written as 0 and op/version are masked to their fields.
std::array<std::byte, kHeaderBytes> encode_header(const Header& h);

// Groups (mcumgr_group_t) served so far.
namespace group {
inline constexpr std::uint16_t os = 0;
inline constexpr std::uint16_t image = 1;
}  // namespace group

// The protocol's error codes (mcumgr_err_t): "rc" in responses.
enum class Err : std::uint16_t {
  ok = 0,
  unknown = 1,
  no_memory = 2,
  invalid = 3,
  timeout = 4,
  no_entry = 5,
  bad_state = 6,
  message_size = 7,
  not_supported = 8,
  corrupt = 9,
  busy = 10,
  access_denied = 11,
  too_old = 12,
  too_new = 13,
};

// What a command handler reports: success, a protocol error, or its group's own error code (SMP 2's
// "err"), which also names the protocol error an SMP 1 client sees instead ("rc").
struct Outcome {
  Err rc = Err::ok;
  std::uint16_t group_rc = 0;  // 0: not a group error

  static constexpr Outcome success() { return {}; }
  static constexpr Outcome protocol(Err e) { return {e, 0}; }
  static constexpr Outcome group_error(std::uint16_t group_rc, Err smp1_rc) { return {smp1_rc, group_rc}; }
  constexpr bool ok() const { return rc == Err::ok && group_rc == 0; }
};

}  // namespace ward::mgmt
