#include "ward/image/format.hpp"

#include <algorithm>
#include <cstring>

#include "ward/byte_order.hpp"
#include "ward/constant_time.hpp"
#include "ward/result.hpp"

namespace ward::image {

const char* to_string(Error e) {
  switch (e) {
    case Error::io: return "read error";
    case Error::bad_magic: return "wrong magic (no image)";
    case Error::bad_header: return "malformed header";
    case Error::truncated: return "truncated (runs past the slot)";
    case Error::bad_tlv_area: return "TLV area missing or malformed";
    case Error::bad_tlv: return "malformed or misplaced TLV";
    case Error::duplicate_tlv: return "duplicate TLV";
    case Error::bad_tlv_length: return "TLV with a wrong length";
    case Error::missing_hash: return "no SHA-256 TLV";
    case Error::missing_signature: return "unsigned (no signature or key TLV)";
    case Error::unsupported: return "unsupported (encrypted or non-bootable)";
    case Error::hash_mismatch: return "SHA-256 mismatch (tampered or truncated)";
    case Error::key_mismatch: return "signed with an unknown key";
    case Error::bad_signature: return "signature does not verify";
    case Error::bad_der: return "malformed DER";
    case Error::not_ram_load: return "not a RAM-load image (flag 0x20)";
    case Error::load_outside_window: return "load address outside executable memory";
    case Error::vectors_misaligned: return "vector table not 512-byte aligned";
    case Error::vectors_unsigned: return "vector table outside the signed part";
    case Error::changed_while_loading: return "image changed while it was loaded";
    case Error::too_many_dependencies: return "too many dependency TLVs";
    case Error::wrong_load_address: return "load address is not its window's start";
  }
  return "unknown error";
}

namespace {
// MCUboot's struct image_version: u8 major, u8 minor, u16 revision, u32 build.
Version decode_version(std::span<const std::byte, 8> b) {
  return {std::to_integer<std::uint8_t>(b[0]), std::to_integer<std::uint8_t>(b[1]),
          load_le<std::uint16_t>(b.subspan<2, 2>()), load_le<std::uint32_t>(b.subspan<4, 4>())};
}
}  // namespace

namespace {
// parse_header() into `h`: the Header built where it is used (no Result copies: ROM).
Status decode_header(std::span<const std::byte, kHeaderSize> b, Header& h) {
  h.magic = load_le<std::uint32_t>(b.subspan<0, 4>());
  if (h.magic != kMagic) {
    return fail(Error::bad_magic);
  }
  h.load_addr = load_le<std::uint32_t>(b.subspan<4, 4>());
  h.hdr_size = load_le<std::uint16_t>(b.subspan<8, 2>());
  h.protect_tlv_size = load_le<std::uint16_t>(b.subspan<10, 2>());
  h.img_size = load_le<std::uint32_t>(b.subspan<12, 4>());
  h.flags = load_le<std::uint32_t>(b.subspan<16, 4>());
  h.version = decode_version(b.subspan<20, 8>());
  if (h.hdr_size < kHeaderSize) {
    return fail(Error::bad_header);
  }
  return {};
}
}  // namespace

Result<Header> parse_header(std::span<const std::byte, kHeaderSize> b) {
  // One object returned on every path: built in the caller's (no copies).
  Result<Header> h{std::in_place};
  if (auto s = decode_header(b, *h); !s) h = fail(s.error());
  return h;
}

void encode_header(const Header& h, std::span<std::byte, kHeaderSize> b) {
  std::fill(b.begin(), b.end(), std::byte{0});
  store_le<std::uint32_t>(b.subspan<0, 4>(), h.magic);
  store_le<std::uint32_t>(b.subspan<4, 4>(), h.load_addr);
  store_le<std::uint16_t>(b.subspan<8, 2>(), h.hdr_size);
  store_le<std::uint16_t>(b.subspan<10, 2>(), h.protect_tlv_size);
  store_le<std::uint32_t>(b.subspan<12, 4>(), h.img_size);
  store_le<std::uint32_t>(b.subspan<16, 4>(), h.flags);
  b[20] = std::byte(h.version.major);
  b[21] = std::byte(h.version.minor);
  store_le<std::uint16_t>(b.subspan<22, 2>(), h.version.revision);
  store_le<std::uint32_t>(b.subspan<24, 4>(), h.version.build);
}

Status MemorySource::read(std::uint32_t offset, std::span<std::byte> out) {
  if (offset > bytes_.size() || out.size() > bytes_.size() - offset) {
    return fail(Error::io);
  }
  const auto from = bytes_.subspan(offset, out.size());
  std::copy(from.begin(), from.end(), out.begin());
  return {};
}

namespace {
// Reads a TLV area info {magic, total} at `offset`.
Result<std::uint16_t> read_info(Source& src, std::uint32_t offset, std::uint16_t magic) {
  std::array<std::byte, kTlvInfoSize> info{};
  WARD_TRY(src.read(offset, info));
  const std::uint16_t found = load_le<std::uint16_t>(std::span{info}.first<2>());
  if (found != magic) {
    // Erased flash where the TLVs should be: the image was cut short (e.g. an interrupted download).
    return fail(found == 0xFFFF ? Error::truncated : Error::bad_tlv_area);
  }
  return load_le<std::uint16_t>(std::span{info}.subspan<2, 2>());
}
}  // namespace

namespace {
// layout() into `l` (read_manifest() builds it inside the manifest: no copies).
Status read_layout(Source& src, std::uint32_t area_size, Layout& l) {
  if (area_size < kHeaderSize) {
    return fail(Error::truncated);
  }
  std::array<std::byte, kHeaderSize> raw{};
  WARD_TRY(src.read(0, raw));
  WARD_TRY(decode_header(raw, l.header));
  // 64-bit sums: no field combination can wrap around.
  const std::uint64_t hashed = std::uint64_t{l.header.hdr_size} + l.header.img_size + l.header.protect_tlv_size;
  if (hashed + kTlvInfoSize > area_size) {
    return fail(Error::truncated);
  }
  l.prot_tlv_offset = l.header.hdr_size + l.header.img_size;
  l.hashed_size = static_cast<std::uint32_t>(hashed);
  if (l.header.protect_tlv_size != 0) {
    if (l.header.protect_tlv_size < kTlvInfoSize) {
      return fail(Error::bad_tlv_area);
    }
    auto total = read_info(src, l.prot_tlv_offset, kTlvProtInfoMagic);
    if (!total) {
      return fail(total.error());
    }
    if (*total != l.header.protect_tlv_size) {
      return fail(Error::bad_tlv_area);
    }
  }
  l.tlv_offset = l.hashed_size;
  auto total = read_info(src, l.tlv_offset, kTlvInfoMagic);
  if (!total) {
    return fail(total.error());
  }
  if (*total < kTlvInfoSize) {
    return fail(Error::bad_tlv_area);
  }
  if (std::uint64_t{l.tlv_offset} + *total > area_size) {
    return fail(Error::truncated);
  }
  l.tlv_size = *total;
  l.total_size = l.tlv_offset + l.tlv_size;
  return {};
}
}  // namespace

Result<Layout> layout(Source& src, std::uint32_t area_size) {
  Result<Layout> l{std::in_place};
  if (auto s = read_layout(src, area_size, *l); !s) l = fail(s.error());
  return l;
}

namespace {
// The TLVs read_manifest() knows: the area each must be in, how often it may appear, and the
// lengths it may have. One table for the rules that every known TLV shares (checked in this order:
// area, repetition, length, as the error says), one switch for where its value goes.
struct TlvRule {
  std::uint16_t type;
  bool is_protected;  // the area it must be in
  std::uint8_t once;  // a bit per identity that may appear once (0: any number, up to a limit)
  std::uint16_t min_length;
  std::uint16_t max_length;
};
enum : std::uint8_t { kOnceHash = 1, kOnceKey = 2, kOnceSig = 4, kOnceCounter = 8, kOnceBootRecord = 16 };
constexpr TlvRule kTlvRules[] = {
    {tlv::kSha256, false, kOnceHash, 32, 32},
    // One key identity per image: a hash and a full key could name two different keys.
    {tlv::kKeyHash, false, kOnceKey, 32, 32},
    {tlv::kPublicKey, false, kOnceKey, 1, 0xFFFF},
    {tlv::kEcdsaSig, false, kOnceSig, 8, kMaxEcdsaDerSize},
    // Outside the protected area anyone could change it without breaking the signature.
    {tlv::kSecurityCounter, true, kOnceCounter, 4, 4},
    // Outside the protected area anyone could drop or weaken a requirement.
    {tlv::kDependency, true, 0, kDependencySize, kDependencySize},
    // Names the software component in the measurements (boot/boot_record.hpp).
    {tlv::kBootRecord, true, kOnceBootRecord, 1, 0xFFFF},
};
static_assert(sizeof(Manifest::sha256) == 32 && sizeof(Manifest::key_hash) == 32 &&
              sizeof(Manifest::signature) == kMaxEcdsaDerSize);

// Where a known TLV's value goes (its rule already checked).
Status store_tlv(Source& src, const Tlv& t, Manifest& m) {
  if (t.type == tlv::kDependency && m.dependency_count == m.dependencies.size()) {
    return fail(Error::too_many_dependencies);
  }
  // The fixed-size values read into one buffer first; the longest is a signature.
  std::array<std::byte, kMaxEcdsaDerSize> v{};
  const auto value = std::span{v}.first(t.type == tlv::kPublicKey || t.type == tlv::kBootRecord ? 0 : t.length);
  WARD_TRY(src.read(t.value_offset, value));
  const auto put = [&value](std::span<std::uint8_t> out) {
    std::memcpy(out.data(), value.data(), value.size());  // value.size() <= out.size(): the rule's length
  };
  switch (t.type) {
    case tlv::kSha256:
      put(m.sha256);
      break;
    case tlv::kKeyHash:
      m.has_key_hash = true;
      put(m.key_hash);
      break;
    case tlv::kPublicKey:
      m.public_key_size = t.length;
      m.public_key_offset = t.value_offset;
      break;
    case tlv::kEcdsaSig:
      m.signature_size = t.length;
      put(m.signature);
      break;
    case tlv::kSecurityCounter:
      m.has_security_counter = true;
      m.security_counter = load_le<std::uint32_t>(std::span{v}.first<4>());
      break;
    case tlv::kDependency:
      m.dependencies[m.dependency_count++] = {std::to_integer<std::uint8_t>(v[0]),
                                              decode_version(std::span{v}.subspan<4, 8>())};
      break;
    default:  // tlv::kBootRecord
      m.boot_record_offset = t.value_offset;
      m.boot_record_size = t.length;
      break;
  }
  return {};
}

// read_manifest() into `m`.
Status parse_manifest(Source& src, std::uint32_t area_size, Manifest& m) {
  WARD_TRY(read_layout(src, area_size, m.layout));
  if ((m.layout.header.flags & (flag::kEncryptedAes128 | flag::kEncryptedAes256 | flag::kNonBootable)) != 0) {
    return fail(Error::unsupported);
  }
  std::uint8_t seen = 0;
  WARD_TRY(for_each_tlv(src, m.layout, [&](const Tlv& t) -> Status {
    const TlvRule* rule = std::find_if(std::begin(kTlvRules), std::end(kTlvRules),
                                       [&t](const TlvRule& r) { return r.type == t.type; });
    if (rule == std::end(kTlvRules)) {
      // A TLV Ward does not use: in the protected area the signature covers it and it is
      // ignored; the unprotected area holds only the four above, as MCUboot's TLV allow list
      // (MCUBOOT_USE_TLV_ALLOW_LIST, Zephyr's default) has it. Nothing checks what an
      // unprotected TLV holds, so an unknown one could carry anything past the signature
      // (a whole nested TLV area for a later parser that trusts it): refused.
      return t.is_protected ? Status{} : fail(Error::bad_tlv);
    }
    if (t.is_protected != rule->is_protected) return fail(Error::bad_tlv);
    if ((seen & rule->once) != 0) return fail(Error::duplicate_tlv);
    if (t.length < rule->min_length || t.length > rule->max_length) return fail(Error::bad_tlv_length);
    seen |= rule->once;
    return store_tlv(src, t, m);
  }));
  if ((seen & kOnceHash) == 0) {
    return fail(Error::missing_hash);
  }
  return {};
}
}  // namespace

Result<Manifest> read_manifest(Source& src, std::uint32_t area_size) {
  Result<Manifest> m{std::in_place};
  if (auto s = parse_manifest(src, area_size, *m); !s) m = fail(s.error());
  return m;
}

namespace {
// One DER INTEGER of at most 32 significant bytes into `out` (big-endian, left-padded).
Result<std::size_t> der_integer(std::span<const std::uint8_t> der, std::size_t pos,
                                std::span<std::uint8_t, 32> out) {
  if (der.size() - pos < 2 || der[pos] != 0x02) {
    return fail(Error::bad_der);
  }
  std::size_t len = der[pos + 1];
  pos += 2;
  if (len == 0 || len > 33 || len > der.size() - pos) {
    return fail(Error::bad_der);
  }
  const std::uint8_t* v = der.data() + pos;
  if (v[0] & 0x80) {
    return fail(Error::bad_der);  // negative
  }
  if (v[0] == 0) {
    if (len == 1 || !(v[1] & 0x80)) {
      return fail(Error::bad_der);  // zero, or not minimal
    }
    ++v;
    --len;
  }
  if (len > 32) {
    return fail(Error::bad_der);
  }
  std::fill(out.begin(), out.end(), 0);
  std::copy_n(v, len, out.subspan(32 - len).begin());
  return pos + der[pos - 1];
}
}  // namespace

Result<std::array<std::uint8_t, 64>> ecdsa_der_to_raw(std::span<const std::uint8_t> der) {
  if (der.size() < 8 || der[0] != 0x30 || der[1] >= 0x80 || der[1] != der.size() - 2) {
    return fail(Error::bad_der);
  }
  std::array<std::uint8_t, 64> raw{};
  auto after_r = der_integer(der, 2, std::span{raw}.first<32>());
  if (!after_r) {
    return fail(after_r.error());
  }
  auto after_s = der_integer(der, *after_r, std::span{raw}.last<32>());
  if (!after_s) {
    return fail(after_s.error());
  }
  if (*after_s != der.size()) {
    return fail(Error::bad_der);
  }
  return raw;
}

namespace {
// SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING { 0x04 || X || Y } }
constexpr std::uint8_t kP256SpkiPrefix[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce,
                                            0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                                            0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04};
static_assert(sizeof kP256SpkiPrefix + 64 == kP256SpkiSize);
}  // namespace

namespace {
bool is_p256_spki(std::span<const std::uint8_t> spki) {
  return spki.size() == kP256SpkiSize && std::equal(std::begin(kP256SpkiPrefix), std::end(kP256SpkiPrefix), spki.begin());
}
}  // namespace

Result<std::array<std::uint8_t, 64>> p256_spki_to_raw(std::span<const std::uint8_t> spki) {
  if (!is_p256_spki(spki)) {
    return fail(Error::bad_der);
  }
  std::array<std::uint8_t, 64> raw{};
  std::copy_n(spki.begin() + sizeof kP256SpkiPrefix, 64, raw.begin());
  return raw;
}

Result<PublicKey> make_public_key(std::span<const std::uint8_t> spki, Crypto& crypto) {
  if (!is_p256_spki(spki)) {
    return fail(Error::bad_der);
  }
  // Built where it is returned: no copies of the key on the bootloader's way (ROM).
  Result<PublicKey> k{std::in_place};
  std::copy_n(spki.begin() + sizeof kP256SpkiPrefix, 64, k->point.begin());
  crypto.sha256_start();
  crypto.sha256_update(std::as_bytes(spki));
  k->spki_sha256 = crypto.sha256_finish();
  return k;
}

namespace {
// verify() past read_manifest(): the hash, the key and the signature of the image `m` describes.
Status check_signed(Source& src, const Manifest& m_, const PublicKey& key, Crypto& crypto) {
  const Manifest* m = &m_;
  if (m->signature_size == 0 || (!m->has_key_hash && m->public_key_size == 0)) {
    return fail(Error::missing_signature);
  }
  crypto.sha256_start();
  // 256 bytes: the bootloader's stack peaks below this frame (P-256 verify), with little to spare.
  std::array<std::byte, 256> chunk{};
  for (std::uint32_t pos = 0; pos < m->layout.hashed_size;) {
    const std::uint32_t n = std::min<std::uint32_t>(chunk.size(), m->layout.hashed_size - pos);
    WARD_TRY(src.read(pos, std::span{chunk}.first(n)));
    crypto.sha256_update(std::span{chunk}.first(n));
    pos += n;
  }
  const auto digest = crypto.sha256_finish();
  if (!equal_constant_time(digest, m->sha256)) {
    return fail(Error::hash_mismatch);
  }
  bool known_key = false;
  if (m->has_key_hash) {
    known_key = equal_constant_time(m->key_hash, key.spki_sha256);
  } else if (m->public_key_size <= chunk.size()) {
    // The full key (DER SPKI) against the built-in one, through their SHA-256 as MCUboot does
    // with MCUBOOT_HW_KEY: equal digests mean equal SPKIs (collision resistance, which the key
    // hash TLV relies on too), and no P-256 parsing or second copy of the key is needed.
    const auto spki = std::span{chunk}.first(m->public_key_size);
    WARD_TRY(src.read(m->public_key_offset, spki));
    crypto.sha256_start();
    crypto.sha256_update(spki);
    known_key = equal_constant_time(crypto.sha256_finish(), key.spki_sha256);
  }
  if (!known_key) {
    return fail(Error::key_mismatch);
  }
  auto sig = ecdsa_der_to_raw(std::span{m->signature}.first(m->signature_size));
  if (!sig) {
    return fail(sig.error());
  }
  if (!crypto.p256_verify(key.point, digest, *sig)) {
    return fail(Error::bad_signature);
  }
  return {};
}
}  // namespace

Result<Manifest> verify(Source& src, std::uint32_t area_size, const PublicKey& key, Crypto& crypto) {
  // One object returned on every path: built in the caller's (no copies of the manifest).
  auto m = read_manifest(src, area_size);
  if (m) {
    if (auto s = check_signed(src, *m, key, crypto); !s) m = fail(s.error());
  }
  return m;
}

}  // namespace ward::image
