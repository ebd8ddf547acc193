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
  std::uint32_t align = 1;              // --align: flash write alignment (1, 2, 4 or 8)
  std::optional<std::uint32_t> load_addr;  // --load-addr: RAM-load image (flag 0x20)
  std::vector<image::Dependency> dependencies;  // --dependencies (protected TLVs 0x40)
  std::optional<std::string> boot_record;       // --boot-record SW_TYPE (protected TLV 0x60, CBOR)
};

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

// Builds the signed image from the raw binary `payload`.
Expected<Bytes> sign_image(const Bytes& payload, const SignOptions& options, SigningKey& key);

}  // namespace ward::tool
