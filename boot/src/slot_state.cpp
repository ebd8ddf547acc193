#include "ward/boot/slot_state.hpp"

#include <algorithm>
#include <array>

#include "ward/byte_order.hpp"

namespace ward::boot {
namespace tr = image::trailer;
using Unit = std::array<std::byte, FlashLayout::kUnit>;

flash::Result<Field> read_flag(const flash::Region& slot, std::uint32_t offset) {
  Unit u;
  if (auto s = slot.read(offset, u); !s) {
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
  return slot.program(offset, u);
}

flash::Result<Field> read_magic(const flash::Region& slot) {
  std::array<std::byte, tr::kMagicSize> m{};
  if (auto s = slot.read(tr::magic_offset(slot.size()), m); !s) {
    return flash::fail(s.error());
  }
  if (std::equal(m.begin(), m.end(), tr::kMagic.begin(),
                 [](std::byte a, std::uint8_t b) { return std::to_integer<std::uint8_t>(a) == b; })) {
    return Field::set;
  }
  return std::all_of(m.begin(), m.end(), [](std::byte b) { return b == flash::kErased; }) ? Field::unset : Field::bad;
}

flash::Status write_magic(const flash::Region& slot) {
  std::array<std::byte, tr::kMagicSize> m{};
  std::transform(tr::kMagic.begin(), tr::kMagic.end(), m.begin(), [](std::uint8_t b) { return std::byte{b}; });
  return slot.program(tr::magic_offset(slot.size()), m);
}

flash::Status write_word(const flash::Region& slot, std::uint32_t offset, std::uint32_t value) {
  Unit u;
  u.fill(flash::kErased);
  store_le<std::uint32_t>(std::span{u}.first<4>(), value);
  return slot.program(offset, u);
}

flash::Result<TrailerState> read_trailer(const flash::Region& slot, const FlashLayout& layout) {
  TrailerState t;
  const auto size = slot.size();
  auto magic = read_magic(slot);
  auto image_ok = read_flag(slot, tr::image_ok_offset(size));
  auto copy_done = read_flag(slot, tr::copy_done_offset(size));
  const TrailerMap map{layout};
  auto revert_started = read_flag(slot, map.revert_started());
  auto revert_done = read_flag(slot, map.revert_done());
  Unit info, swap_size;
  auto s1 = slot.read(tr::swap_info_offset(size), info);
  auto s2 = slot.read(tr::swap_size_offset(size), swap_size);
  for (auto* r : {&magic, &image_ok, &copy_done, &revert_started, &revert_done}) {
    if (!*r) {
      return flash::fail(r->error());
    }
  }
  if (!s1 || !s2) {
    return flash::fail(!s1 ? s1.error() : s2.error());
  }
  t.magic = *magic;
  t.image_ok = *image_ok;
  t.copy_done = *copy_done;
  t.revert_started = *revert_started;
  t.revert_done = *revert_done;
  const auto type = std::to_integer<std::uint8_t>(info[0]) & 0x0F;
  t.swap_type = (type >= 1 && type <= 5) ? static_cast<tr::SwapType>(type) : tr::SwapType::none;
  t.swap_size = load_le<std::uint32_t>(std::span{swap_size}.first<4>());
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
