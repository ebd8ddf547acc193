// The boot record: what the bootloader measured, handed to the secure image (measured boot; as
// TF-M's shared data area). After it verified the images, the bootloader writes one entry per
// image into a fixed area of secure RAM (docs/boot.md, "One chain of trust"); the secure image
// decodes it before anything else uses that memory and keeps the entries for attestation.
//
// Wire format (little-endian), all sizes fixed so the reader checks bounds before it reads:
//   header  16 bytes: magic kMagic, total size (16 + count * 128), count, 0
//   entry  128 bytes: image id u8 (== its index), flags u8 (bit 0: on trial), 0 u16,
//                     version (MCUboot's 8 bytes), security counter u32 (the image's),
//                     entry point u32 (its vector table), SHA-256 of the signed part [32]
//                     (the measurement), signer id [32] (SHA-256 of the verifying key's SPKI),
//                     software component name length u8 (<= 32), name [32], 11 zero bytes.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "ward/image/format.hpp"
#include "ward/result.hpp"

namespace ward::boot::record {

inline constexpr std::uint32_t kMagic = 0x31524257;  // "WBR1"
inline constexpr std::size_t kHeaderSize = 16;
inline constexpr std::size_t kEntrySize = 128;
inline constexpr std::size_t kMaxEntries = 2;
inline constexpr std::size_t kMaxComponent = 32;
inline constexpr std::size_t kMaxSize = kHeaderSize + kMaxEntries * kEntrySize;

struct Measurement {
  std::uint8_t image_id = 0;
  bool test_boot = false;
  image::Version version;
  std::uint32_t security_counter = 0;
  std::uint32_t entry = 0;
  std::array<std::uint8_t, 32> sha256{};
  std::array<std::uint8_t, 32> signer_id{};
  std::uint8_t component_size = 0;
  std::array<char, kMaxComponent> component{};  // imgtool's --boot-record sw_type, if any

  std::string_view component_name() const { return {component.data(), component_size}; }
  friend constexpr bool operator==(const Measurement&, const Measurement&) = default;
};

struct Record {
  std::size_t count = 0;
  std::array<Measurement, kMaxEntries> image{};
};

enum class Error : std::uint8_t {
  too_small = 1,  // the area cannot hold the header or the entries the header announces
  bad_magic,      // no record (e.g. the image was not started by Ward's bootloader)
  bad_size,       // total size is not header + count entries, or count above kMaxEntries
  bad_entry,      // an entry's id is not its index, a reserved field is set, a name too long
};
const char* to_string(Error e);

template <class T>
using Result = base::Result<T, Error>;

// Writes `images` into `area`; false if it does not fit (the bootloader's area is kMaxSize).
bool encode(std::span<std::byte> area, std::span<const Measurement> images);
// Checks and decodes the record at the start of `area`: every field against the area first.
Result<Record> decode(std::span<const std::byte> area);

// The software component's name from imgtool's --boot-record TLV (0x60): a CBOR map whose key 1
// (SW_TYPE) is a text string of at most kMaxComponent bytes. Anything else: nothing (empty).
std::string_view component_from_cbor(std::span<const std::uint8_t> cbor);

// A measurement from a verified image's manifest (the entry point and the name added by the caller).
Measurement measure(std::uint8_t image_id, const image::Manifest& m, const image::PublicKey& key, bool test_boot);

}  // namespace ward::boot::record
