#include "control.hpp"

#include "ward/result.hpp"

namespace ward::boot {
namespace {
Result<void> from_flash(flash::Status s) {
  if (!s) {
    return fail(Error::flash);
  }
  return {};
}
}  // namespace

Result<SlotInfo> Control::slot_info(const flash::Region& slot, std::uint32_t image_base) const {
  SlotInfo info;
  auto t = read_trailer(slot, layout_);
  if (!t) {
    return fail(Error::flash);
  }
  info.trailer = *t;
  FlashSource src{flash::Region{flash_, image_base, layout_.max_image_size()}};
  if (auto m = image::read_manifest(src, layout_.max_image_size())) {
    info.has_image = true;
    info.version = m->layout.header.version;
    info.image_size = m->layout.total_size;
    info.security_counter = m->security_counter;
  }
  return info;
}

Result<BootState> Control::state() const {
  BootState s;
  auto p = slot_info(layout_.primary(flash_), layout_.primary_offset);
  auto q = slot_info(layout_.secondary(flash_), layout_.secondary_offset + layout_.sector_size());
  if (!p || !q) {
    return fail(Error::flash);
  }
  s.primary = *p;
  s.secondary = *q;
  s.on_trial = on_trial(s.primary.trailer, layout_);
  s.upgrade_pending = s.secondary.trailer.magic == Field::set;
  s.permanent_pending = s.upgrade_pending && s.secondary.trailer.image_ok == Field::set;
  return s;
}

Result<void> Control::erase_secondary() const {
  auto s = state();
  if (!s) {
    return fail(s.error());
  }
  if (s->on_trial) {
    return fail(Error::invalid_state);
  }
  const flash::Region part = layout_.secondary_partition(flash_);
  for (std::uint32_t i = 1; i < part.sectors(); ++i) {
    WARD_TRY(from_flash(part.erase_sector(i)));
  }
  return {};
}

Result<void> Control::write_secondary(std::uint32_t offset, std::span<const std::byte> data) const {
  // Only the image area: the trailer is written by request_upgrade().
  if (offset > layout_.max_image_size() || data.size() > layout_.max_image_size() - offset) {
    return fail(Error::invalid_state);
  }
  return from_flash(layout_.secondary(flash_).program(offset, data));
}

Result<void> Control::request_upgrade(bool permanent) const {
  auto s = state();
  if (!s) {
    return fail(s.error());
  }
  if (s->on_trial) {
    return fail(Error::invalid_state);
  }
  if (!s->secondary.has_image) {
    return fail(Error::no_image);
  }
  if (s->secondary.trailer.magic == Field::foreign) {
    // Padded for another write unit (imgtool --align): the bootloader would refuse the request.
    return fail(Error::wrong_align);
  }
  const flash::Region slot = layout_.secondary(flash_);
  if (permanent && s->secondary.trailer.image_ok != Field::set) {
    WARD_TRY(from_flash(write_flag(slot, layout_.trailer().image_ok())));
  }
  if (s->secondary.trailer.magic != Field::set) {
    return from_flash(write_magic(slot));
  }
  return {};
}

Result<void> Control::confirm() const {
  const flash::Region slot = layout_.primary(flash_);
  auto t = read_trailer(slot, layout_);
  if (!t) {
    return fail(Error::flash);
  }
  // A factory image (no trailer) and an already confirmed one need nothing.
  if (t->magic != Field::set || t->image_ok == Field::set) {
    return {};
  }
  return from_flash(write_flag(slot, layout_.trailer().image_ok()));
}

}  // namespace ward::boot
