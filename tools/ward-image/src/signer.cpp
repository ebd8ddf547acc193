#include "signer.hpp"

#include <charconv>

#include "ward/byte_order.hpp"
#include "ward/image/capacity.hpp"
#include "ward/image/trailer.hpp"

namespace ward::tool {
namespace {
// Appends `v` in the image format's byte order.
template <std::unsigned_integral T>
void append_le(Bytes& b, std::type_identity_t<T> v) {
  b.resize(b.size() + sizeof(T));
  store_le<T>(std::as_writable_bytes(std::span{b}).last<sizeof(T)>(), v);
}
// Writes a TLV area's total size into its info header {magic, total} at the start of `area`.
void patch_area_total(Bytes& area) {
  store_le<std::uint16_t>(std::as_writable_bytes(std::span{area}).subspan<2, 2>(),
                          static_cast<std::uint16_t>(area.size()));
}
void put_tlv(Bytes& b, std::uint16_t type, std::span<const std::uint8_t> value) {
  append_le<std::uint16_t>(b, type);
  append_le<std::uint16_t>(b, static_cast<std::uint16_t>(value.size()));
  b.insert(b.end(), value.begin(), value.end());
}

template <class T>
std::optional<T> number(std::string_view s) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}
}  // namespace

Expected<image::Version> parse_version(const std::string& text) {
  image::Version v;
  std::string_view s = text;
  std::string_view build;
  if (auto plus = s.find('+'); plus != std::string_view::npos) {
    build = s.substr(plus + 1);
    s = s.substr(0, plus);
  }
  std::string_view parts[3];
  int count = 0;
  while (count < 3) {
    auto dot = s.find('.');
    parts[count++] = s.substr(0, dot);
    if (dot == std::string_view::npos) {
      s = {};
      break;
    }
    s = s.substr(dot + 1);
  }
  const auto major = number<std::uint8_t>(parts[0]);
  const auto minor = count > 1 ? number<std::uint8_t>(parts[1]) : std::optional<std::uint8_t>{0};
  const auto revision = count > 2 ? number<std::uint16_t>(parts[2]) : std::optional<std::uint16_t>{0};
  const auto b = build.empty() ? std::optional<std::uint32_t>{0} : number<std::uint32_t>(build);
  if (!s.empty() || !major || !minor || !revision || !b) {
    return std::unexpected("bad version '" + text + "' (expected major.minor.revision+build, e.g. 1.2.3+4)");
  }
  v.major = *major;
  v.minor = *minor;
  v.revision = *revision;
  v.build = *b;
  return v;
}

Expected<std::vector<image::Dependency>> parse_dependencies(const std::string& text) {
  std::vector<image::Dependency> deps;
  auto bad = [&text]() -> Expected<std::vector<image::Dependency>> {
    return std::unexpected("bad --dependencies '" + text + "' (expected \"(image id, version)\", ...)");
  };
  auto skip_spaces = [&text](std::size_t pos) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    return pos;
  };
  std::size_t pos = skip_spaces(0);
  while (pos < text.size()) {
    if (text[pos] != '(') return bad();
    const std::size_t comma = text.find(',', pos);
    const std::size_t close = text.find(')', pos);
    if (comma == std::string::npos || close == std::string::npos || comma > close) return bad();
    const auto id = number<std::uint8_t>(text.substr(skip_spaces(pos + 1), comma - skip_spaces(pos + 1)));
    std::string version = text.substr(skip_spaces(comma + 1), close - skip_spaces(comma + 1));
    while (!version.empty() && version.back() == ' ') version.pop_back();
    auto v = parse_version(version);
    if (!id || !v) return bad();
    if (deps.size() == image::kMaxDependencies) {
      return std::unexpected("--dependencies: at most " + std::to_string(image::kMaxDependencies));
    }
    deps.push_back({*id, *v});
    pos = skip_spaces(close + 1);
    if (pos < text.size()) {
      if (text[pos] != ',') return bad();
      pos = skip_spaces(pos + 1);
      if (pos == text.size()) return bad();
    }
  }
  if (deps.empty()) return bad();
  return deps;
}

Bytes boot_record_cbor(const std::string& sw_type, const image::Version& v, std::span<const std::uint8_t> key_hash) {
  auto text = [](Bytes& out, const std::string& t) {
    out.push_back(static_cast<std::uint8_t>(0x60 | t.size()));  // callers keep t below 24 bytes
    for (const char ch : t) {  // (not insert(): GCC 12 -O3 warns falsely on that)
      out.push_back(static_cast<std::uint8_t>(ch));
    }
  };
  auto bytes = [](Bytes& out, std::span<const std::uint8_t> b) {
    out.push_back(0x58);  // byte string, one length byte
    out.push_back(static_cast<std::uint8_t>(b.size()));
    out.insert(out.end(), b.begin(), b.end());
  };
  Bytes c{0xA5, 0x01};
  text(c, sw_type);
  c.push_back(0x04);
  text(c, std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.revision));
  c.push_back(0x05);
  bytes(c, key_hash);
  c.push_back(0x06);
  text(c, "SHA256");
  c.push_back(0x02);
  bytes(c, Bytes(32, 0));
  return c;
}

std::uint32_t auto_security_counter(const image::Version& v) {
  return std::uint32_t{v.major} << 24 | std::uint32_t{v.minor} << 16 | v.revision;
}

std::uint32_t imgtool_trailer_size(std::uint32_t align, std::uint32_t max_sectors) {
  const std::uint32_t spacing = image::trailer::field_align(align);
  const std::uint32_t magic_block = spacing > image::trailer::kMagicSize ? spacing : image::trailer::kMagicSize;
  return max_sectors * 3 * align + 4 * spacing + magic_block;
}

std::vector<TrailerPatch> trailer_patches(const SignOptions& o) {
  std::vector<TrailerPatch> patches;
  if (!o.slot_size) {
    return patches;  // no slot, no trailer
  }
  const image::trailer::Offsets at{*o.slot_size, image::trailer::field_align(o.align)};
  if (o.confirm) {
    Bytes flag(at.align, image::trailer::kErased);
    flag[0] = image::trailer::kFlagSet;
    patches.push_back({at.image_ok(), flag});
  }
  const auto magic = image::trailer::magic(at.align);
  patches.push_back({at.magic(), Bytes(magic.begin(), magic.end())});
  return patches;
}

Expected<Bytes> sign_image(const Bytes& payload, const SignOptions& o, SigningKey& key, bool pad_output) {
  if (o.header_size < image::kHeaderSize || o.header_size > 0xFFFF) {
    return std::unexpected("--header-size must be between 32 and 65535");
  }
  if (!image::trailer::valid_write_align(o.align)) {
    return std::unexpected("--align must be 1, 2, 4, 8, 16 or 32");
  }
  const bool pad = o.pad || o.confirm;
  if (pad && !o.slot_size) {
    return std::unexpected("--pad and --confirm need --slot-size");
  }
  if (o.max_sectors && (!o.slot_size || image::max_image_size(*o.slot_size, *o.max_sectors) == 0)) {
    return std::unexpected("--max-sectors needs --slot-size, divided into at least 2 equal sectors");
  }
  if (o.slot_size && *o.slot_size % image::trailer::field_align(o.align) != 0) {
    return std::unexpected("--slot-size must be a multiple of the trailer alignment");
  }
  Bytes body;
  if (o.pad_header) {
    body.assign(o.header_size, 0);
    body.insert(body.end(), payload.begin(), payload.end());
  } else {
    if (payload.size() < o.header_size) {
      return std::unexpected("input is smaller than --header-size (use --pad-header)");
    }
    for (std::size_t i = 0; i < o.header_size; ++i) {
      if (payload[i] != 0) {
        return std::unexpected("input does not start with --header-size zero bytes (use --pad-header)");
      }
    }
    body = payload;
  }
  if (body.size() - o.header_size > 0xFFFFFFFFu - 0x20000u) {
    return std::unexpected("input too large");
  }

  auto spki = key.public_spki();
  if (!spki) {
    return std::unexpected(spki.error());
  }
  if (o.boot_record && (o.boot_record->empty() || o.boot_record->size() > 12)) {
    return std::unexpected("--boot-record: the software type must be 1 to 12 characters (as imgtool's)");
  }
  Bytes prot;
  if (o.security_counter || !o.dependencies.empty() || o.boot_record) {
    append_le<std::uint16_t>(prot, image::kTlvProtInfoMagic);
    append_le<std::uint16_t>(prot, 0);  // total, patched below
    if (o.security_counter) {
      Bytes v;
      append_le<std::uint32_t>(v, *o.security_counter);
      put_tlv(prot, image::tlv::kSecurityCounter, v);
    }
    if (o.boot_record) {
      put_tlv(prot, image::tlv::kBootRecord, boot_record_cbor(*o.boot_record, o.version, sha256(*spki)));
    }
    for (const auto& d : o.dependencies) {
      // imgtool: struct.pack('B3x' 'BBHI', image id, major, minor, revision, build)
      Bytes v{d.image_id, 0, 0, 0, d.min_version.major, d.min_version.minor};
      append_le<std::uint16_t>(v, d.min_version.revision);
      append_le<std::uint32_t>(v, d.min_version.build);
      put_tlv(prot, image::tlv::kDependency, v);
    }
    patch_area_total(prot);
  }

  image::Header h;
  h.load_addr = o.load_addr.value_or(0);
  h.hdr_size = static_cast<std::uint16_t>(o.header_size);
  h.protect_tlv_size = static_cast<std::uint16_t>(prot.size());
  h.img_size = static_cast<std::uint32_t>(body.size() - o.header_size);
  h.flags = o.load_addr ? image::flag::kRamLoad : 0;
  h.version = o.version;
  std::array<std::byte, image::kHeaderSize> raw_header{};
  image::encode_header(h, raw_header);
  for (std::size_t i = 0; i < raw_header.size(); ++i) {
    body[i] = std::to_integer<std::uint8_t>(raw_header[i]);
  }
  body.insert(body.end(), prot.begin(), prot.end());

  const auto digest = sha256(body);
  auto sig = key.sign_digest(digest);
  if (!sig) {
    return std::unexpected(sig.error());
  }
  Bytes tlvs;
  append_le<std::uint16_t>(tlvs, image::kTlvInfoMagic);
  append_le<std::uint16_t>(tlvs, 0);  // total, patched below
  put_tlv(tlvs, image::tlv::kSha256, digest);
  // --public-key-format: the key's hash (imgtool's default) or the key itself (DER SPKI).
  if (o.full_public_key) {
    put_tlv(tlvs, image::tlv::kPublicKey, *spki);
  } else {
    put_tlv(tlvs, image::tlv::kKeyHash, sha256(*spki));
  }
  put_tlv(tlvs, image::tlv::kEcdsaSig, *sig);
  patch_area_total(tlvs);
  body.insert(body.end(), tlvs.begin(), tlvs.end());

  if (o.slot_size) {
    // imgtool's rule (room for its trailer), and with --max-sectors the bootloader's: the image
    // may not reach into the slot's last sector (image::max_image_size, FlashLayout).
    const std::uint64_t trailer = imgtool_trailer_size(o.align, o.max_sectors.value_or(kDefaultMaxSectors));
    if (body.size() + trailer > *o.slot_size) {
      return std::unexpected("image (" + std::to_string(body.size()) + " bytes) and trailer (" +
                             std::to_string(trailer) + " bytes) do not fit --slot-size " + std::to_string(*o.slot_size));
    }
    if (o.max_sectors && body.size() > image::max_image_size(*o.slot_size, *o.max_sectors)) {
      return std::unexpected("image (" + std::to_string(body.size()) + " bytes) reaches into the last of " +
                             std::to_string(*o.max_sectors) + " sectors, which holds the trailer: at most " +
                             std::to_string(image::max_image_size(*o.slot_size, *o.max_sectors)) + " bytes fit");
    }
  }
  if (pad && pad_output) {
    body.resize(*o.slot_size, image::trailer::kErased);
    for (const auto& p : trailer_patches(o)) {
      std::copy(p.bytes.begin(), p.bytes.end(), body.begin() + p.offset);
    }
  }
  return body;
}

}  // namespace ward::tool
