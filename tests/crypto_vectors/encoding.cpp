// Strict DER decoders for the vector tests (see encoding.hpp).
#include "encoding.hpp"

#include <algorithm>
#include <array>

namespace ward::test::vectors {

namespace {

// Reads one INTEGER at der[pos]; on success writes its magnitude right-aligned into `out` and
// returns the position after it.
std::optional<std::size_t> read_integer(std::span<const std::uint8_t> der, std::size_t pos,
                                        std::span<std::uint8_t> out) {
  if (pos + 2 > der.size() || der[pos] != 0x02) {
    return std::nullopt;
  }
  const std::size_t len = der[pos + 1];
  // Short-form lengths only: an INTEGER that fits `out` (at most 49 bytes for P-384) has a length
  // below 128, and DER forbids the long form for those.
  if (len == 0 || len >= 0x80 || pos + 2 + len > der.size()) {
    return std::nullopt;
  }
  auto value = der.subspan(pos + 2, len);
  if (value[0] & 0x80) {
    return std::nullopt;  // negative
  }
  if (value[0] == 0x00 && len > 1) {
    if (!(value[1] & 0x80)) {
      return std::nullopt;  // a leading zero that is not needed for the sign: not minimal
    }
    value = value.subspan(1);
  }
  if (value.size() > out.size()) {
    return std::nullopt;
  }
  std::fill(out.begin(), out.end(), 0);
  std::copy(value.begin(), value.end(), out.end() - static_cast<std::ptrdiff_t>(value.size()));
  return pos + 2 + len;
}

}  // namespace

std::optional<Bytes> ecdsa_der_to_raw(std::span<const std::uint8_t> der, std::size_t scalar_bytes) {
  // SEQUENCE with a short-form length covering exactly the rest of the input.
  if (der.size() < 2 || der[0] != 0x30 || der[1] >= 0x80 || der[1] != der.size() - 2) {
    return std::nullopt;
  }
  Bytes raw(2 * scalar_bytes);
  const auto after_r = read_integer(der, 2, std::span{raw}.first(scalar_bytes));
  if (!after_r) {
    return std::nullopt;
  }
  const auto after_s = read_integer(der, *after_r, std::span{raw}.last(scalar_bytes));
  if (!after_s || *after_s != der.size()) {
    return std::nullopt;
  }
  return raw;
}

namespace {
// SEQUENCE { SEQUENCE { OID id-ecPublicKey, OID prime256v1 }, BIT STRING (0 unused bits) ... }:
// the DER header bytes before the point, for the two point sizes. Length fields included, so the
// point size and the total length are fixed by the prefix.
constexpr std::array<std::uint8_t, 26> kUncompressedPrefix = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};
constexpr std::array<std::uint8_t, 26> kCompressedPrefix = {
    0x30, 0x39, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x22, 0x00};
}  // namespace

namespace {
// The same for P-384 (OID secp384r1): 97-byte uncompressed, 49-byte compressed points.
constexpr std::array<std::uint8_t, 23> kP384UncompressedPrefix = {
    0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
    0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00};
constexpr std::array<std::uint8_t, 23> kP384CompressedPrefix = {
    0x30, 0x46, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
    0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22, 0x03, 0x32, 0x00};
}  // namespace

std::optional<Bytes> p384_spki_point(std::span<const std::uint8_t> spki) {
  for (const auto& [prefix, point_size] : {std::pair{std::span{kP384UncompressedPrefix}, 97u},
                                           std::pair{std::span{kP384CompressedPrefix}, 49u}}) {
    if (spki.size() == prefix.size() + point_size && std::equal(prefix.begin(), prefix.end(), spki.begin())) {
      return Bytes(spki.begin() + static_cast<std::ptrdiff_t>(prefix.size()), spki.end());
    }
  }
  return std::nullopt;
}

std::optional<Bytes> p256_spki_point(std::span<const std::uint8_t> spki) {
  for (const auto& [prefix, point_size] : {std::pair{std::span{kUncompressedPrefix}, 65u},
                                           std::pair{std::span{kCompressedPrefix}, 33u}}) {
    if (spki.size() == prefix.size() + point_size &&
        std::equal(prefix.begin(), prefix.end(), spki.begin())) {
      return Bytes(spki.begin() + static_cast<std::ptrdiff_t>(prefix.size()), spki.end());
    }
  }
  return std::nullopt;
}

}  // namespace ward::test::vectors
