// Helpers for the SMP tests: bytes from hex, CBOR built by hand (so expected answers do not come
// from the code under test), and one request/response round trip.
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

#include "ward/mgmt/server.hpp"

namespace mgmt_test {

using Bytes = std::vector<std::byte>;

inline Bytes hex(std::string_view h) {
  Bytes out;
  auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < h.size();) {
    if (h[i] == ' ') {
      ++i;
      continue;
    }
    out.push_back(static_cast<std::byte>(nib(h[i]) << 4 | nib(h[i + 1])));
    i += 2;
  }
  return out;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// CBOR heads and strings (RFC 8949), short forms only: enough for the tests' maps.
inline Bytes head(unsigned major, std::uint64_t v) {
  Bytes out;
  const auto m = static_cast<std::byte>(major << 5);
  if (v < 24) {
    out.push_back(m | static_cast<std::byte>(v));
  } else if (v < 0x100) {
    out = {m | std::byte{24}, static_cast<std::byte>(v)};
  } else if (v < 0x10000) {
    out = {m | std::byte{25}, static_cast<std::byte>(v >> 8), static_cast<std::byte>(v)};
  } else {
    out = {m | std::byte{26}, static_cast<std::byte>(v >> 24), static_cast<std::byte>(v >> 16),
           static_cast<std::byte>(v >> 8), static_cast<std::byte>(v)};
  }
  return out;
}
inline Bytes u(std::uint64_t v) { return head(0, v); }
inline Bytes t(std::string_view s) {
  Bytes out = head(3, s.size());
  for (char c : s) out.push_back(static_cast<std::byte>(c));
  return out;
}
inline Bytes b(std::span<const std::byte> s) {
  Bytes out = head(2, s.size());
  out.insert(out.end(), s.begin(), s.end());
  return out;
}
inline Bytes map(std::size_t n) { return head(5, n); }
inline const Bytes kTrue = {std::byte{0xf5}};
inline const Bytes kFalse = {std::byte{0xf4}};
inline const Bytes kOpenMap = {std::byte{0xbf}};
inline const Bytes kOpenArray = {std::byte{0x9f}};
inline const Bytes kBreak = {std::byte{0xff}};

// An SMP packet: header fields as the specification lays them out, then the payload.
inline Bytes packet(unsigned version, unsigned op, std::uint16_t group, std::uint8_t seq, std::uint8_t id,
                    const Bytes& payload) {
  Bytes out = {static_cast<std::byte>(version << 3 | op), std::byte{0},
               static_cast<std::byte>(payload.size() >> 8), static_cast<std::byte>(payload.size()),
               static_cast<std::byte>(group >> 8), static_cast<std::byte>(group), static_cast<std::byte>(seq),
               static_cast<std::byte>(id)};
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

inline Bytes roundtrip(ward::mgmt::Server& server, const Bytes& request, std::size_t capacity = 512) {
  Bytes response(capacity);
  const std::size_t n = server.handle(request, response);
  response.resize(n);
  return response;
}

}  // namespace mgmt_test
