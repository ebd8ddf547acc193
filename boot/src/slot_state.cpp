#include "ward/boot/slot_state.hpp"

#include <algorithm>
#include <array>

#include "ward/byte_order.hpp"

namespace ward::boot {
namespace tr = image::trailer;
// One trailer unit: the largest field spacing, of which a slot's trailer uses the first unit(slot).
using Unit = std::array<std::byte, tr::kLargestAlign>;
std::uint32_t unit(const flash::Region& slot) { return tr::field_align(slot.write_align()); }

flash::Result<Field> read_flag(const flash::Region& slot, std::uint32_t offset) {
  Unit u;
  if (auto s = slot.read(offset, std::span{u}.first(unit(slot))); !s) {
    return flash::fail(s.error());
  }
  const auto first = std::to_integer<std::uint8_t>(u[0]);
  if (first == tr::kErased) {
    return Field::unset;
  }
  return first == tr::kFlagSet ? Field::set : Field::bad;
}

flash::Status write_flag(const flash::Region& slot, std::uint32_t offset) {
  Unit u;
  u.fill(flash::kErased);
  u[0] = std::byte{tr::kFlagSet};
  return slot.program(offset, std::span{u}.first(unit(slot)));
}

flash::Result<Magic> read_magic_align(const flash::Region& slot) {
  std::array<std::uint8_t, tr::kMagicSize> m{};
  if (auto s = slot.read(tr::Offsets{slot.size()}.magic(), std::as_writable_bytes(std::span{m})); !s) {
    return flash::fail(s.error());
  }
  const std::uint32_t found = tr::magic_align(m);
  if (found == 0) {
    const bool erased = std::all_of(m.begin(), m.end(), [](std::uint8_t b) { return b == tr::kErased; });
    return Magic{erased ? Field::unset : Field::bad, 0};
  }
  return Magic{found == unit(slot) ? Field::set : Field::foreign, found};
}

flash::Result<Field> read_magic(const flash::Region& slot) {
  auto m = read_magic_align(slot);
  if (!m) {
    return flash::fail(m.error());
  }
  return m->field;
}

flash::Status write_magic(const flash::Region& slot) {
  // As MCUboot's boot_write_magic(): the magic ends a block of one unit (at least 16 bytes)
  // whose start stays erased, so the write follows the write unit.
  const tr::Offsets at{slot.size(), unit(slot)};
  const auto magic = tr::magic(at.align);
  Unit u;
  u.fill(flash::kErased);
  const auto block = std::span{u}.first(at.slot_size - at.magic_block());
  std::transform(magic.begin(), magic.end(), block.last<tr::kMagicSize>().begin(),
                 [](std::uint8_t b) { return std::byte{b}; });
  return slot.program(at.magic_block(), block);
}

flash::Status write_word(const flash::Region& slot, std::uint32_t offset, std::uint32_t value) {
  Unit u;
  u.fill(flash::kErased);
  store_le<std::uint32_t>(std::span{u}.first<4>(), value);
  return slot.program(offset, std::span{u}.first(unit(slot)));
}

namespace {
// read_trailer() into `t`, field by field: the first read that fails is the error.
flash::Status read_fields(const flash::Region& slot, const FlashLayout& layout, TrailerState& t) {
  const auto at = layout.trailer();
  auto magic = read_magic_align(slot);
  if (!magic) {
    return flash::fail(magic.error());
  }
  t.magic = magic->field;
  t.magic_align = magic->align;
  const TrailerMap map{layout};
  const struct {
    std::uint32_t offset;
    Field TrailerState::*field;
  } flags[] = {{at.image_ok(), &TrailerState::image_ok},
               {at.copy_done(), &TrailerState::copy_done},
               {map.revert_started(), &TrailerState::revert_started},
               {map.revert_done(), &TrailerState::revert_done}};
  for (const auto& f : flags) {
    auto v = read_flag(slot, f.offset);
    if (!v) {
      return flash::fail(v.error());
    }
    t.*f.field = *v;
  }
  std::array<std::byte, 4> info{}, swap_size{};
  if (auto s = slot.read(at.swap_info(), info); !s) {
    return s;
  }
  if (auto s = slot.read(at.swap_size(), swap_size); !s) {
    return s;
  }
  const auto type = std::to_integer<std::uint8_t>(info[0]) & 0x0F;
  t.swap_type = (type >= 1 && type <= 5) ? static_cast<tr::SwapType>(type) : tr::SwapType::none;
  t.swap_size = load_le<std::uint32_t>(swap_size);
  return {};
}
}  // namespace

flash::Result<TrailerState> read_trailer(const flash::Region& slot, const FlashLayout& layout) {
  // One object returned on every path: built in the caller's (no copies).
  flash::Result<TrailerState> t{std::in_place};
  if (auto s = read_fields(slot, layout, *t); !s) t = flash::fail(s.error());
  return t;
}

bool swap_recorded(const TrailerState& t, const FlashLayout& layout) {
  return t.magic == Field::set && (t.swap_type == tr::SwapType::test || t.swap_type == tr::SwapType::perm) &&
         t.swap_size != 0 && t.swap_size % layout.sector_size() == 0 && t.swap_size <= layout.max_image_size();
}

bool on_trial(const TrailerState& t, const FlashLayout& layout) {
  return swap_recorded(t, layout) && t.swap_type == tr::SwapType::test && t.copy_done == Field::set &&
         t.image_ok != Field::set && t.revert_started != Field::set;
}

}  // namespace ward::boot
