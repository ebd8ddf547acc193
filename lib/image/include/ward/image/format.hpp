// The MCUboot image format, as Ward's bootloader and the ward-image tool read and write it.
//
// An image is: a header (32 bytes, padded to `hdr_size`), the payload (`img_size` bytes), an
// optional protected TLV area (covered by the hash and so by the signature) and the unprotected
// TLV area (the hash, the key hash and the signature). All fields are little-endian.
//
//   offset 0          header: magic 0x96f3b83d, load address, hdr_size, protected TLV size,
//                     img_size, flags, version (major.minor.revision+build), padding
//   hdr_size          payload
//   + img_size        protected TLV area (if protect_tlv_size != 0): info {0x6908, total size}
//                     then TLVs {type u16, len u16, value}
//   + protect_tlv_size unprotected TLV area: info {0x6907, total size}, then TLVs
//
// SHA-256 (TLV 0x10) covers [0, hdr_size + img_size + protect_tlv_size). The ECDSA P-256
// signature (TLV 0x22, DER) is over that digest; TLV 0x01 is the SHA-256 of the signer's public key
// (its DER SubjectPublicKeyInfo); TLV 0x50 (protected) is the security counter.
//
// Everything here treats the image as hostile: every size and offset is checked against the
// area that holds the image before it is used, with overflow-free arithmetic. Nothing here needs
// a heap or an image's configuration, so the same code runs in the bootloader and the host tool.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "ward/byte_order.hpp"
#include "ward/result.hpp"

namespace ward::image {

inline constexpr std::uint32_t kMagic = 0x96f3b83d;
inline constexpr std::size_t kHeaderSize = 32;
inline constexpr std::uint16_t kTlvInfoMagic = 0x6907;      // unprotected TLV area
inline constexpr std::uint16_t kTlvProtInfoMagic = 0x6908;  // protected TLV area
inline constexpr std::size_t kTlvInfoSize = 4;
inline constexpr std::size_t kTlvHeaderSize = 4;

namespace tlv {
inline constexpr std::uint16_t kKeyHash = 0x01;
inline constexpr std::uint16_t kPublicKey = 0x02;
inline constexpr std::uint16_t kSha256 = 0x10;
inline constexpr std::uint16_t kEcdsaSig = 0x22;
inline constexpr std::uint16_t kSecurityCounter = 0x50;
inline constexpr std::uint16_t kDependency = 0x40;  // protected: {image id, 3 pad bytes, minimum version}
inline constexpr std::uint16_t kBootRecord = 0x60;  // protected: imgtool's --boot-record (CBOR), not parsed
}  // namespace tlv

namespace flag {
inline constexpr std::uint32_t kPic = 0x01;
inline constexpr std::uint32_t kEncryptedAes128 = 0x04;
inline constexpr std::uint32_t kEncryptedAes256 = 0x08;
inline constexpr std::uint32_t kNonBootable = 0x10;
inline constexpr std::uint32_t kRamLoad = 0x20;
}  // namespace flag

// Largest DER ECDSA P-256 signature: SEQUENCE { INTEGER (33), INTEGER (33) }.
inline constexpr std::size_t kMaxEcdsaDerSize = 72;
// DER SubjectPublicKeyInfo of a P-256 key (uncompressed point): what getpub emits and the key
// hash TLV is computed over.
inline constexpr std::size_t kP256SpkiSize = 91;

enum class Error : std::uint8_t {
  io = 1,               // the image could not be read
  bad_magic,            // not an MCUboot image header (e.g. empty or erased slot)
  bad_header,           // header fields inconsistent (hdr_size < 32, ...)
  truncated,            // image or TLV areas run past the end of the slot
  bad_tlv_area,         // TLV area info missing or its size is wrong
  bad_tlv,              // a TLV runs past its area, sits in the wrong area, or is unknown outside the protected area
  duplicate_tlv,        // the same security-relevant TLV twice
  bad_tlv_length,       // a known TLV with the wrong length
  missing_hash,         // no SHA-256 TLV
  missing_signature,    // unsigned image (no signature or no key hash)
  unsupported,          // encrypted or non-bootable image
  hash_mismatch,        // contents do not match the SHA-256 TLV (tampered or truncated)
  key_mismatch,         // signed with a key other than the one built in
  bad_signature,        // the signature does not verify (tampered metadata or forged)
  bad_der,              // malformed DER in the signature or key
  // RAM-load refusals (boot::RamLoader, the engine): one reason each.
  not_ram_load,         // no RAM_LOAD flag: this bootloader runs images from RAM only
  load_outside_window,  // the signed part does not fit the executable window at its load address
  vectors_misaligned,   // load address + hdr_size is not 512-byte aligned (VTOR)
  vectors_unsigned,     // the vector table (stack pointer, reset handler) is not in the signed part
  changed_while_loading,  // the image verified in RAM has another layout than the one read from flash
  too_many_dependencies,  // more dependency TLVs than kMaxDependencies
  wrong_load_address,     // RAM-load: not the load address this image runs at (the start of its window)
};

const char* to_string(Error e);

template <class T>
using Result = base::Result<T, Error>;
using Status = Result<void>;
using base::fail;

struct Version {
  std::uint8_t major = 0;
  std::uint8_t minor = 0;
  std::uint16_t revision = 0;
  std::uint32_t build = 0;
  friend constexpr auto operator<=>(const Version&, const Version&) = default;
};

struct Header {
  std::uint32_t magic = kMagic;
  std::uint32_t load_addr = 0;
  std::uint16_t hdr_size = 0;
  std::uint16_t protect_tlv_size = 0;
  std::uint32_t img_size = 0;
  std::uint32_t flags = 0;
  Version version;
  friend constexpr bool operator==(const Header&, const Header&) = default;
};

// An image's requirement on another image of the device (MCUboot's dependency TLV): image
// `image_id` must run at least `min_version` (major.minor.revision; the build number is not
// compared, as in MCUboot).
struct Dependency {
  std::uint8_t image_id = 0;
  Version min_version;
  friend constexpr bool operator==(const Dependency&, const Dependency&) = default;
};
inline constexpr std::size_t kDependencySize = 12;  // u8 image id, 3 pad bytes, the 8-byte version
inline constexpr std::size_t kMaxDependencies = 4;
// Whether `have` satisfies `min` (major, minor, revision).
constexpr bool version_at_least(const Version& have, const Version& min) {
  if (have.major != min.major) return have.major > min.major;
  if (have.minor != min.minor) return have.minor > min.minor;
  return have.revision >= min.revision;
}

// Decodes the 32 header bytes (magic and hdr_size >= 32 checked; sizes are checked by layout()).
Result<Header> parse_header(std::span<const std::byte, kHeaderSize> bytes);
void encode_header(const Header& h, std::span<std::byte, kHeaderSize> out);

// Where an image's bytes come from: a flash slot, memory, a file. Reads are bounds-checked by the
// source itself; a failed read is Error::io.
class Source {
 public:
  virtual Status read(std::uint32_t offset, std::span<std::byte> out) = 0;

 protected:
  Source() = default;
  ~Source() = default;
  Source(const Source&) = default;
  Source& operator=(const Source&) = default;
};

class MemorySource final : public Source {
 public:
  explicit MemorySource(std::span<const std::byte> bytes) : bytes_{bytes} {}
  Status read(std::uint32_t offset, std::span<std::byte> out) override;

 private:
  std::span<const std::byte> bytes_;
};

// Offsets of an image's parts, all proven to lie inside the area the image was read from.
struct Layout {
  Header header;
  std::uint32_t hashed_size = 0;     // header + payload + protected TLV area
  std::uint32_t prot_tlv_offset = 0;  // protected area (info included); size header.protect_tlv_size
  std::uint32_t tlv_offset = 0;       // unprotected area (info included)
  std::uint32_t tlv_size = 0;
  std::uint32_t total_size = 0;       // everything up to the end of the unprotected area
  friend constexpr bool operator==(const Layout&, const Layout&) = default;
};

// Reads and checks the header and both TLV area infos of the image at the start of `src`, which
// is `area_size` bytes long.
Result<Layout> layout(Source& src, std::uint32_t area_size);

struct Tlv {
  std::uint16_t type;
  std::uint16_t length;
  std::uint32_t value_offset;  // in the source
  bool is_protected;
};

// Calls `visit(const Tlv&) -> Status` for every TLV of both areas (protected first), after checking
// that each lies inside its area; stops at the first error.
template <class Visit>
Status for_each_tlv(Source& src, const Layout& l, Visit&& visit);

// The security-relevant TLVs of an image.
struct Manifest {
  Layout layout;
  std::array<std::uint8_t, 32> sha256{};
  bool has_key_hash = false;
  std::array<std::uint8_t, 32> key_hash{};
  // The full key (TLV 0x02, imgtool --public-key-format full): where its DER SubjectPublicKeyInfo
  // lies in the source (verify() reads it there: no copy on the bootloader's stack).
  std::size_t public_key_size = 0;  // 0: absent
  std::uint32_t public_key_offset = 0;
  std::size_t signature_size = 0;  // 0: unsigned
  std::array<std::uint8_t, kMaxEcdsaDerSize> signature{};
  bool has_security_counter = false;
  std::uint32_t security_counter = 0;  // 0 when absent
  std::size_t dependency_count = 0;    // protected TLVs 0x40, in the order they appear
  std::array<Dependency, kMaxDependencies> dependencies{};
  std::uint32_t boot_record_offset = 0;  // protected TLV 0x60 (imgtool --boot-record), in the source
  std::uint16_t boot_record_size = 0;    // 0: none
};

// layout() plus the TLVs: exactly one SHA-256, at most one key (its hash or the key itself, not
// both), signature and security counter (the counter only in the protected area, the others
// only in the unprotected one), and at most kMaxDependencies dependencies and one boot record
// (only in the protected area).
// Does not check the hash or the signature (verify() does).
Result<Manifest> read_manifest(Source& src, std::uint32_t area_size);

// DER ECDSA-Sig-Value -> r || s (32 bytes each, big-endian). Strict DER (minimal lengths and
// integers, positive, no trailing bytes).
Result<std::array<std::uint8_t, 64>> ecdsa_der_to_raw(std::span<const std::uint8_t> der);
// The P-256 SubjectPublicKeyInfo (91 bytes, uncompressed point) -> X || Y.
Result<std::array<std::uint8_t, 64>> p256_spki_to_raw(std::span<const std::uint8_t> spki);

// The cryptography verify() needs, provided by the caller (Mbed TLS / p256-m in the bootloader,
// OpenSSL in the host tool).
class Crypto {
 public:
  virtual void sha256_start() = 0;
  virtual void sha256_update(std::span<const std::byte> data) = 0;
  virtual std::array<std::uint8_t, 32> sha256_finish() = 0;
  // True only if `sig` (r || s) is a valid signature of `hash` under `pub` (X || Y).
  virtual bool p256_verify(const std::array<std::uint8_t, 64>& pub, const std::array<std::uint8_t, 32>& hash,
                           const std::array<std::uint8_t, 64>& sig) = 0;

 protected:
  Crypto() = default;
  ~Crypto() = default;
  Crypto(const Crypto&) = default;
  Crypto& operator=(const Crypto&) = default;
};

// A verification key: the SHA-256 of its DER SubjectPublicKeyInfo (what the key hash TLV names,
// and what a full-key TLV's digest must equal) and the point.
struct PublicKey {
  std::array<std::uint8_t, 32> spki_sha256;
  std::array<std::uint8_t, 64> point;
};
// Builds a PublicKey from a DER SubjectPublicKeyInfo.
Result<PublicKey> make_public_key(std::span<const std::uint8_t> spki, Crypto& crypto);

// Full check of the image at the start of `src`: manifest, hash over the hashed part, the key
// (its hash, or the full key's SHA-256 compared with that of `key`'s DER SPKI), signature. Returns the manifest of the verified image.
Result<Manifest> verify(Source& src, std::uint32_t area_size, const PublicKey& key, Crypto& crypto);

// ---------------------------------------------------------------------------------------------

template <class Visit>
Status for_each_tlv(Source& src, const Layout& l, Visit&& visit) {
  struct Area {
    std::uint32_t offset;
    std::uint32_t size;
    bool is_protected;
  };
  const Area areas[2] = {{l.prot_tlv_offset, l.header.protect_tlv_size, true}, {l.tlv_offset, l.tlv_size, false}};
  for (const Area& a : areas) {
    if (a.size == 0) {
      continue;
    }
    // layout() proved offset + size inside the area and size >= the info header.
    std::uint32_t pos = a.offset + kTlvInfoSize;
    const std::uint32_t end = a.offset + a.size;
    while (pos < end) {
      if (end - pos < kTlvHeaderSize) {
        return fail(Error::bad_tlv);
      }
      std::array<std::byte, kTlvHeaderSize> th{};
      WARD_TRY(src.read(pos, th));
      const Tlv t{load_le<std::uint16_t>(std::span{th}.first<2>()),
                  load_le<std::uint16_t>(std::span{th}.subspan<2, 2>()),
                  pos + static_cast<std::uint32_t>(kTlvHeaderSize), a.is_protected};
      if (t.length > end - t.value_offset) {
        return fail(Error::bad_tlv);
      }
      WARD_TRY(visit(t));
      pos = t.value_offset + t.length;
    }
  }
  return {};
}

}  // namespace ward::image
