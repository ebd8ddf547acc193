// The SMP server core: one request packet in, one response packet out, through a table of groups
// and their commands. Portable (no kernel, no transport): a transport hands it whole packets.
//
// What it answers, and what it drops:
//   - shorter than a header, reserved bits set, or a response op (1, 3) or an undefined op (4..7):
//     dropped, no response (answering a response could start a loop between two servers);
//   - version field 2 or 3: {"rc": too_new}, answered as SMP 2;
//   - the header's length differs from the bytes that follow: {"rc": invalid} (one request per
//     packet: SMP's packing of several requests into one packet is not served);
//   - unknown group, unknown command, or an op the command does not take: {"rc": not_supported};
//   - malformed CBOR in the request: {"rc": invalid};
//   - a response that does not fit the caller's buffer: {"rc": message_size}.
// The response repeats the request's group, sequence number and command, with op + 1 and the
// request's version.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "ward/mgmt/cbor.hpp"
#include "ward/mgmt/smp.hpp"

namespace ward::mgmt {

struct Request {
  Header header;
  // The largest request packet the transport that carried this one takes, when it takes less than
  // the image's others (the TLS transport's 512 bytes): mcumgr parameters answer it as buf_size,
  // so a client sizes its packets per transport. 0: the image's figure (OsGroup's BufferParams).
  // 16 bits, as SMP's lengths, and here, in the header's padding: the request, on the stack under
  // every handler, does not grow (the SMP thread's stack is at its bound).
  std::uint16_t packet_limit = 0;
  std::span<const std::byte> payload;  // the CBOR map (empty: no data)
  Version version() const { return static_cast<Version>(header.version); }
};

// A group: its id and its command table. A concrete group derives from it and names its handlers in a
// static table; the handler gets the group back and casts to its own type (no virtual dispatch,
// the table is all there is).
class Group {
 public:
  using Handler = Outcome (*)(Group& self, const Request& request, MapWriter& response);
  struct Command {
    std::uint8_t id;
    Handler read;   // nullptr: the command takes no read
    Handler write;  // nullptr: the command takes no write
  };

  constexpr std::uint16_t id() const { return id_; }
  constexpr std::span<const Command> commands() const { return commands_; }

 protected:
  constexpr Group(std::uint16_t id, std::span<const Command> commands) : id_(id), commands_(commands) {}
  ~Group() = default;
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

 private:
  std::uint16_t id_;
  std::span<const Command> commands_;
};

class Server {
 public:
  // The groups served; the span must outlive the server.
  explicit constexpr Server(std::span<Group* const> groups) : groups_(groups) {}

  // Handles one request packet and writes the response packet into `response`. Returns the
  // response's length, or 0 when the request gets no response (see above) or `response` cannot
  // hold even a header and an error. `packet_limit`: the transport's own packet limit, if it has
  // one (Request::packet_limit).
  std::size_t handle(std::span<const std::byte> request, std::span<std::byte> response, std::size_t packet_limit = 0);

 private:
  Outcome dispatch(const Request& request, MapWriter& out);
  std::span<Group* const> groups_;
};

// The smallest response buffer handle() needs for an error response.
inline constexpr std::size_t kMinResponseBytes = kHeaderBytes + 24;

}  // namespace ward::mgmt
