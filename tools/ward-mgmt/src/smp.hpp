// ward-mgmt's side of SMP, the Simple Management Protocol of mcumgr, written from Zephyr's
// specification (smp_protocol, smp_group_0, smp_group_1), not from Ward's server: requests are
// encoded here, and every reply is parsed here before anything reads it. A reply is outside data
// (a device, a console line, the network): it is checked against the request it answers, its CBOR
// is bounded before libcbor allocates anything, and each command's fields are read with their
// types checked. No exception leaves this file's parsers; every refusal says why.
#pragma once
#include <cbor.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cbor_read.hpp"

namespace ward::mgmt_client {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::size_t kHeaderBytes = 8;
// The largest reply ward-mgmt accepts (header + CBOR). SMP's length field allows 64 KiB; no
// command ward-mgmt sends has a reply near this, and a bound keeps a hostile peer's allocations small.
inline constexpr std::size_t kMaxReply = std::size_t{16} * 1024;
// Deepest CBOR nesting read in a reply (image state: map > array > map > values is 3).
inline constexpr std::size_t kMaxDepth = 8;

enum class Op : std::uint8_t { read = 0, read_response = 1, write = 2, write_response = 3 };

namespace group {
inline constexpr std::uint16_t os = 0;
inline constexpr std::uint16_t image = 1;
}  // namespace group
namespace os_cmd {
inline constexpr std::uint8_t echo = 0, taskstat = 2, reset = 5, params = 6;
}
namespace image_cmd {
inline constexpr std::uint8_t state = 0, upload = 1, erase = 5, slot_info = 6;
}
// img_mgmt_err_code_t values ward-mgmt acts on.
inline constexpr std::int64_t kImageInvalidOffset = 20;

struct Header {
  std::uint8_t op = 0;
  std::uint8_t version = 1;  // 0: SMP 1, 1: SMP 2
  std::uint8_t flags = 0;
  std::uint16_t length = 0;
  std::uint16_t group = 0;
  std::uint8_t sequence = 0;
  std::uint8_t id = 0;
};

std::array<std::uint8_t, kHeaderBytes> encode_header(const Header& h);
// nullopt: shorter than a header, or reserved bits set.
std::optional<Header> parse_header(std::span<const std::uint8_t> in);

// A request's CBOR map, built in order (definite length, as mcumgr's clients send).
class MapBuilder {
 public:
  MapBuilder& text(std::string_view key, std::string_view value);
  MapBuilder& uint(std::string_view key, std::uint64_t value);
  MapBuilder& bytes(std::string_view key, std::span<const std::uint8_t> value);
  MapBuilder& boolean(std::string_view key, bool value);
  Bytes finish() const;  // the map's head followed by the pairs

 private:
  void key(std::string_view k);
  Bytes body_;
  std::size_t pairs_ = 0;
};

// The whole request packet: header (length filled in) and the map.
Bytes make_request(Op op, std::uint8_t version, std::uint16_t group, std::uint8_t sequence, std::uint8_t id,
                   const Bytes& map);

using cbor_read::Item;

// A parsed reply: its header and its map (a CBOR map; every key found by text).
struct Reply {
  Header header;
  Item map;
  const cbor_item_t* find(std::string_view key) const;
};

// The error a reply carries, in either form: SMP 1's {"rc": n} (mcumgr_err_t) or SMP 2's
// {"err": {"group": g, "rc": n}} (the group's own code). rc 0 is success.
struct DeviceError {
  std::int64_t rc = 0;
  std::optional<std::uint16_t> group;  // set: a group's own error (SMP 2)
  std::string describe() const;
};

// What a reply must match: the request it answers.
struct Expect {
  Op op = Op::read;  // the request's op; the reply has op + 1
  std::uint16_t group = 0;
  std::uint8_t id = 0;
  std::uint8_t sequence = 0;
};

// Why a reply is not taken: the reason for the user, and whether it belongs to another request
// (wrong sequence number: dropped, the wait goes on) or is a broken answer to this one.
struct ReplyError {
  std::string what;
  bool other_request = false;
};

// Parses one reply packet against the request it should answer.
std::variant<Reply, ReplyError> parse_reply(std::span<const std::uint8_t> packet, const Expect& expect);
// One CBOR item filling the whole buffer, bounded (declared container sizes against the bytes left,
// nesting depth, no indefinite-length strings) before libcbor builds it.
std::optional<Item> load_cbor(std::span<const std::uint8_t> data, std::string& why);

// The reply's error, if any (a malformed "rc" or "err" is a ReplyError).
std::variant<DeviceError, ReplyError> reply_error(const Reply& r);

// --- each command's answer --------------------------------------------------------------------

struct SlotInfo {
  std::uint64_t image = 0;
  std::uint64_t slot = 0;
  std::string version;
  Bytes hash;
  bool bootable = false, pending = false, confirmed = false, active = false, permanent = false;
};
struct ImageState {
  std::vector<SlotInfo> slots;
  std::optional<std::int64_t> split_status;
};
struct TaskInfo {
  std::string name;
  std::map<std::string, std::uint64_t> fields;  // prio, tid, state, stkuse, stksiz, cswcnt, runtime, ...
};
struct Params {
  std::uint64_t buf_size = 0;
  std::uint64_t buf_count = 0;
};

// Slot info (image command 6): each image's slots and their sizes.
struct SlotSize {
  std::uint64_t slot = 0;
  std::uint64_t size = 0;
  std::optional<std::uint64_t> upload_image_id;  // the "image" an upload names to reach this slot
};
struct ImageSlotsInfo {
  std::uint64_t image = 0;
  std::vector<SlotSize> slots;
  std::optional<std::uint64_t> max_image_size;
};

std::variant<ImageState, ReplyError> decode_image_state(const Reply& r);
std::variant<std::vector<ImageSlotsInfo>, ReplyError> decode_slot_info(const Reply& r);
std::variant<std::uint64_t, ReplyError> decode_upload_offset(const Reply& r);  // "off"
std::variant<std::string, ReplyError> decode_echo(const Reply& r);             // "r"
std::variant<std::vector<TaskInfo>, ReplyError> decode_taskstat(const Reply& r);
std::variant<Params, ReplyError> decode_params(const Reply& r);

std::string hex(std::span<const std::uint8_t> b);
std::optional<Bytes> unhex(std::string_view s);

}  // namespace ward::mgmt_client
