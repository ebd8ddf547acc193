#include "ward/boot/boot_record.hpp"

#include <algorithm>
#include <cstring>

#include "ward/byte_order.hpp"

namespace ward::boot::record {

const char* to_string(Error e) {
  switch (e) {
    case Error::too_small: return "boot record: area too small";
    case Error::bad_magic: return "boot record: no record (wrong magic)";
    case Error::bad_size: return "boot record: inconsistent size or count";
    case Error::bad_entry: return "boot record: malformed entry";
  }
  return "boot record: unknown error";
}

namespace {
constexpr std::size_t kIdAt = 0, kFlagsAt = 1, kPadAt = 2, kVersionAt = 4, kCounterAt = 12, kEntryAt = 16,
                      kShaAt = 20, kSignerAt = 52, kNameSizeAt = 84, kNameAt = 85, kReservedAt = 117;
static_assert(kReservedAt + 11 == kEntrySize);

void put_entry(std::span<std::byte, kEntrySize> e, const Measurement& m) {
  std::fill(e.begin(), e.end(), std::byte{0});
  e[kIdAt] = std::byte{m.image_id};
  e[kFlagsAt] = std::byte{m.test_boot ? std::uint8_t{1} : std::uint8_t{0}};
  e[kVersionAt] = std::byte{m.version.major};
  e[kVersionAt + 1] = std::byte{m.version.minor};
  store_le<std::uint16_t>(e.subspan<kVersionAt + 2, 2>(), m.version.revision);
  store_le<std::uint32_t>(e.subspan<kVersionAt + 4, 4>(), m.version.build);
  store_le<std::uint32_t>(e.subspan<kCounterAt, 4>(), m.security_counter);
  store_le<std::uint32_t>(e.subspan<kEntryAt, 4>(), m.entry);
  // (memcpy: the bootloader's ROM; each source lies inside its array, each target inside the entry.)
  std::memcpy(&e[kShaAt], m.sha256.data(), m.sha256.size());
  std::memcpy(&e[kSignerAt], m.signer_id.data(), m.signer_id.size());
  const std::uint8_t n = std::min<std::uint8_t>(m.component_size, kMaxComponent);
  e[kNameSizeAt] = std::byte{n};
  std::memcpy(&e[kNameAt], m.component.data(), n);
}

Result<Measurement> get_entry(std::span<const std::byte, kEntrySize> e, std::size_t index) {
  Measurement m;
  m.image_id = std::to_integer<std::uint8_t>(e[kIdAt]);
  const auto flags = std::to_integer<std::uint8_t>(e[kFlagsAt]);
  m.component_size = std::to_integer<std::uint8_t>(e[kNameSizeAt]);
  const auto reserved = e.subspan<kReservedAt>();
  if (m.image_id != index || (flags & ~1u) != 0 || load_le<std::uint16_t>(e.subspan<kPadAt, 2>()) != 0 ||
      m.component_size > kMaxComponent ||
      !std::all_of(reserved.begin(), reserved.end(), [](std::byte b) { return b == std::byte{0}; })) {
    return base::fail(Error::bad_entry);
  }
  m.test_boot = (flags & 1u) != 0;
  m.version = {std::to_integer<std::uint8_t>(e[kVersionAt]), std::to_integer<std::uint8_t>(e[kVersionAt + 1]),
               load_le<std::uint16_t>(e.subspan<kVersionAt + 2, 2>()),
               load_le<std::uint32_t>(e.subspan<kVersionAt + 4, 4>())};
  m.security_counter = load_le<std::uint32_t>(e.subspan<kCounterAt, 4>());
  m.entry = load_le<std::uint32_t>(e.subspan<kEntryAt, 4>());
  std::transform(e.begin() + kShaAt, e.begin() + kShaAt + 32, m.sha256.begin(),
                 [](std::byte b) { return std::to_integer<std::uint8_t>(b); });
  std::transform(e.begin() + kSignerAt, e.begin() + kSignerAt + 32, m.signer_id.begin(),
                 [](std::byte b) { return std::to_integer<std::uint8_t>(b); });
  // component_size <= kMaxComponent (checked above): the name lies inside the entry.
  std::transform(e.begin() + kNameAt, e.begin() + kNameAt + m.component_size, m.component.begin(),
                 [](std::byte b) { return std::to_integer<char>(b); });
  return m;
}
}  // namespace

bool encode(std::span<std::byte> area, std::span<const Measurement> images) {
  if (images.size() > kMaxEntries || area.size() < kHeaderSize + images.size() * kEntrySize) {
    return false;
  }
  const auto header = area.first<kHeaderSize>();
  std::fill(header.begin(), header.end(), std::byte{0});
  store_le<std::uint32_t>(header.subspan<0, 4>(), kMagic);
  store_le<std::uint32_t>(header.subspan<4, 4>(), static_cast<std::uint32_t>(kHeaderSize + images.size() * kEntrySize));
  store_le<std::uint32_t>(header.subspan<8, 4>(), static_cast<std::uint32_t>(images.size()));
  for (std::size_t i = 0; i < images.size(); ++i) {
    put_entry(area.subspan(kHeaderSize + i * kEntrySize).first<kEntrySize>(), images[i]);
  }
  return true;
}

Result<Record> decode(std::span<const std::byte> area) {
  if (area.size() < kHeaderSize) {
    return base::fail(Error::too_small);
  }
  const auto header = area.first<kHeaderSize>();
  if (load_le<std::uint32_t>(header.subspan<0, 4>()) != kMagic) {
    return base::fail(Error::bad_magic);
  }
  const std::uint32_t total = load_le<std::uint32_t>(header.subspan<4, 4>());
  const std::uint32_t count = load_le<std::uint32_t>(header.subspan<8, 4>());
  if (count > kMaxEntries || total != kHeaderSize + count * kEntrySize ||
      load_le<std::uint32_t>(header.subspan<12, 4>()) != 0) {
    return base::fail(Error::bad_size);
  }
  if (total > area.size()) {
    return base::fail(Error::too_small);
  }
  Record r;
  r.count = count;
  for (std::size_t i = 0; i < count; ++i) {
    // count <= kMaxEntries and total <= area.size(): entry i lies inside the area.
    auto m = get_entry(area.subspan(kHeaderSize + i * kEntrySize).first<kEntrySize>(), i);
    if (!m) {
      return base::fail(m.error());
    }
    r.image[i] = *m;
  }
  return r;
}

std::string_view component_from_cbor(std::span<const std::uint8_t> cbor) {
  // The subset imgtool writes: a definite map (major type 5) of small unsigned keys (major 0)
  // to text (3), byte (2) strings or small unsigned values; lengths below 2^16.
  std::size_t pos = 0;
  auto head = [&](std::uint8_t& major, std::uint32_t& arg) {
    if (pos >= cbor.size()) return false;
    const std::uint8_t b = cbor[pos++];
    major = b >> 5;
    const std::uint8_t info = b & 0x1f;
    if (info < 24) {
      arg = info;
    } else if (info == 24 && cbor.size() - pos >= 1) {
      arg = cbor[pos++];
    } else if (info == 25 && cbor.size() - pos >= 2) {
      arg = std::uint32_t{cbor[pos]} << 8 | cbor[pos + 1];
      pos += 2;
    } else {
      return false;
    }
    return true;
  };
  std::uint8_t major = 0;
  std::uint32_t pairs = 0;
  if (!head(major, pairs) || major != 5) {
    return {};
  }
  for (std::uint32_t i = 0; i < pairs; ++i) {
    std::uint8_t key_major = 0, value_major = 0;
    std::uint32_t key = 0, value = 0;
    if (!head(key_major, key) || key_major != 0 || !head(value_major, value)) {
      return {};
    }
    if (value_major == 2 || value_major == 3) {
      if (value > cbor.size() - pos) {
        return {};
      }
      if (key == 1 && value_major == 3) {
        if (value > kMaxComponent) {
          return {};
        }
        return {reinterpret_cast<const char*>(cbor.data() + pos), value};
      }
      pos += value;
    } else if (value_major != 0) {
      return {};
    }
  }
  return {};
}

Measurement measure(std::uint8_t image_id, const image::Manifest& m, const image::PublicKey& key, bool test_boot) {
  Measurement r;
  r.image_id = image_id;
  r.test_boot = test_boot;
  r.version = m.layout.header.version;
  r.security_counter = m.security_counter;
  r.sha256 = m.sha256;
  r.signer_id = key.spki_sha256;
  return r;
}

}  // namespace ward::boot::record
