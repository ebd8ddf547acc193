// Building signed MCUboot images (ward-image sign), with imgtool's options and semantics.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "keys.hpp"
#include "ward/image/format.hpp"

namespace ward::tool {

struct SignOptions {
  image::Version version;
  std::uint32_t header_size = 0;        // --header-size (required, >= 32)
  bool pad_header = false;              // --pad-header: prepend header_size zero bytes
  std::optional<std::uint32_t> slot_size;  // --slot-size
  bool pad = false;                     // --pad: fill to slot_size, trailer magic at the end
  bool confirm = false;                 // --confirm: also image_ok (implies --pad)
  std::optional<std::uint32_t> security_counter;  // --security-counter (protected TLV 0x50)
  std::uint32_t align = 1;              // --align: flash write alignment (1, 2, 4, 8, 16 or 32)
  std::optional<std::uint32_t> max_sectors;  // --max-sectors: sectors of a slot (default 128, imgtool's)
  std::optional<std::uint32_t> load_addr;  // --load-addr: RAM-load image (flag 0x20)
  bool full_public_key = false;         // --public-key-format full: TLV 0x02 (the key) instead of 0x01 (its hash)
  std::vector<image::Dependency> dependencies;  // --dependencies (protected TLVs 0x40)
  std::optional<std::string> boot_record;       // --boot-record SW_TYPE (protected TLV 0x60, CBOR)
};

// imgtool's default --max-sectors (the swap status it reserves room for).
inline constexpr std::uint32_t kDefaultMaxSectors = 128;

// The bytes imgtool reserves at the end of a slot for the trailer (its _trailer_size for a swap
// upgrade without encryption): 3 status bytes per write unit and sector, the four fields and the
// magic's block, spaced by max(8, align).
std::uint32_t imgtool_trailer_size(std::uint32_t align, std::uint32_t max_sectors);

// The trailer bytes `--pad` / `--confirm` put into a slot: the magic (16 bytes) at its end and,
// for --confirm, image_ok (one field: 0x01 then erased bytes). Offsets are in the slot.
struct TrailerPatch {
  std::uint32_t offset;
  Bytes bytes;
};
std::vector<TrailerPatch> trailer_patches(const SignOptions& options);

// imgtool's boot record: a CBOR map {1: sw_type, 4: "major.minor.revision", 5: key hash,
// 6: "SHA256", 2: 32 zero bytes (the measurement, filled in by a bootloader that copies it)}.
Bytes boot_record_cbor(const std::string& sw_type, const image::Version& v, std::span<const std::uint8_t> key_hash);

// "1.2.3+4", "1.2.3", "1.2", "1".
Expected<image::Version> parse_version(const std::string& text);
// imgtool's --dependencies syntax: "(image id, version)" one or more times, separated by commas,
// e.g. "(0, 1.2.3+0), (1, 2.0)".
Expected<std::vector<image::Dependency>> parse_dependencies(const std::string& text);
// imgtool's "auto" security counter: major << 24 | minor << 16 | revision.
std::uint32_t auto_security_counter(const image::Version& v);

// Builds the signed image from the raw binary `payload`; padded to the slot with its trailer if
// options.pad or options.confirm (and `pad_output`: Intel HEX output writes the trailer alone).
Expected<Bytes> sign_image(const Bytes& payload, const SignOptions& options, SigningKey& key, bool pad_output = true);

}  // namespace ward::tool
