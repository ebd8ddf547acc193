// The SMP server core (server.hpp).
#include "ward/mgmt/server.hpp"

namespace ward::mgmt {
namespace {

// Encodes the response map into `body`; returns its length, or 0 if even an error does not fit.
std::size_t encode_map(std::span<std::byte> body, auto&& fill) {
  CborEncoder root;
  CborEncoder map;
  auto* buf = reinterpret_cast<std::uint8_t*>(body.data());
  cbor_encoder_init(&root, buf, body.size(), 0);
  if (cbor_encoder_create_map(&root, &map, CborIndefiniteLength) != CborNoError) {
    return 0;
  }
  MapWriter w(map);
  fill(w);
  if (!w.ok() || cbor_encoder_close_container(&root, &map) != CborNoError) {
    return 0;
  }
  return cbor_encoder_get_buffer_size(&root, buf);
}

}  // namespace

Outcome Server::dispatch(const Request& request, MapWriter& out) {
  for (Group* g : groups_) {
    if (g->id() != request.header.group) {
      continue;
    }
    for (const Group::Command& c : g->commands()) {
      if (c.id != request.header.id) {
        continue;
      }
      const Group::Handler h = request.header.op == static_cast<std::uint8_t>(Op::read) ? c.read : c.write;
      return h != nullptr ? h(*g, request, out) : Outcome::protocol(Err::not_supported);
    }
    return Outcome::protocol(Err::not_supported);
  }
  return Outcome::protocol(Err::not_supported);
}

std::size_t Server::handle(std::span<const std::byte> request, std::span<std::byte> response, std::size_t packet_limit) {
  const auto header = parse_header(request);
  if (!header || (header->op != static_cast<std::uint8_t>(Op::read) &&
                  header->op != static_cast<std::uint8_t>(Op::write))) {
    return 0;
  }
  if (response.size() < kMinResponseBytes) {
    return 0;
  }
  Header reply = *header;
  reply.op = static_cast<std::uint8_t>(header->op + 1);
  reply.flags = 0;
  Outcome early = Outcome::success();
  if (header->version > static_cast<std::uint8_t>(Version::smp2)) {
    reply.version = static_cast<std::uint8_t>(Version::smp2);
    early = Outcome::protocol(Err::too_new);
  } else if (header->length != request.size() - kHeaderBytes) {
    early = Outcome::protocol(Err::invalid);
  }
  const Request r{*header, static_cast<std::uint16_t>(packet_limit < 0xffffu ? packet_limit : 0xffffu),
                  request.subspan(kHeaderBytes)};
  const auto version = static_cast<Version>(reply.version);
  const std::uint16_t group_id = header->group;
  auto body = response.subspan(kHeaderBytes, response.size() - kHeaderBytes < 0xffffu ? response.size() - kHeaderBytes : 0xffffu);
  // Two passes at most, through one copy of the encoding code: the handler's answer, then, when
  // it did not fit, {"rc": message_size} with nothing else.
  std::size_t n = 0;
  for (int pass = 0; pass < 2 && n == 0; ++pass) {
    n = encode_map(body, [&](MapWriter& w) {
      const Outcome o = pass != 0 ? Outcome::protocol(Err::message_size) : early.ok() ? dispatch(r, w) : early;
      if (o.ok()) {
        return;
      }
      if (version == Version::smp2 && o.group_rc != 0) {
        w.map("err", [&](MapWriter& err) {
          err.uint("group", group_id);
          err.uint("rc", o.group_rc);
        });
      } else {
        w.uint("rc", static_cast<std::uint64_t>(o.rc));
      }
    });
  }
  if (n == 0) {
    return 0;
  }
  reply.length = static_cast<std::uint16_t>(n);
  const auto head = encode_header(reply);
  for (std::size_t i = 0; i < kHeaderBytes; ++i) {
    response[i] = head[i];
  }
  return kHeaderBytes + n;
}

}  // namespace ward::mgmt
