// SMP group 1, image management (image_group.hpp).
#include "ward/mgmt/image_group.hpp"

#include <algorithm>
#include <string_view>

namespace ward::mgmt {
namespace {

// What an SMP 1 client sees for each of this group's errors ("rc" has no group codes).
constexpr Err smp1_of(ImageError e) {
  switch (e) {
    case ImageError::ok:
      return Err::ok;
    case ImageError::no_image:
      return Err::no_entry;
    case ImageError::image_already_pending:
    case ImageError::image_confirmation_denied:
    case ImageError::image_setting_test_to_active_denied:
      return Err::bad_state;
    case ImageError::hash_not_found:
      return Err::no_entry;
    case ImageError::unknown:
    case ImageError::flash_write_failed:
    case ImageError::flash_erase_failed:
      return Err::unknown;
    default:
      return Err::invalid;
  }
}

constexpr Outcome image_error(ImageError e) { return Outcome::group_error(static_cast<std::uint16_t>(e), smp1_of(e)); }

// Appends the decimal digits of `v` at `out[at]`; returns the new end.
std::size_t put_decimal(std::span<char> out, std::size_t at, std::uint32_t v) {
  std::array<char, 10> digits{};
  std::size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) {
    out[at++] = digits[--n];
  }
  return at;
}

// "major.minor.revision", and ".build" when the build number is not 0 (as Zephyr prints it).
std::size_t format_version(const ImageVersion& v, std::span<char, 48> out) {
  std::size_t at = put_decimal(out, 0, v.major);
  out[at++] = '.';
  at = put_decimal(out, at, v.minor);
  out[at++] = '.';
  at = put_decimal(out, at, v.revision);
  if (v.build != 0) {
    out[at++] = '.';
    at = put_decimal(out, at, v.build);
  }
  return at;
}

}  // namespace

struct ImageGroup::Chunk {
  std::uint64_t off = 0;
  std::span<const std::byte> data;
  bool has_len = false;
  std::uint64_t len = 0;
  bool has_sha = false;
  std::span<const std::byte> sha;
  std::uint64_t image = 0;
  bool upgrade = false;
};

struct ImageGroup::Handlers {
  static Outcome state(Group& g, const Request& r, MapWriter& out);
  static Outcome state_write(Group& g, const Request& r, MapWriter& out);
  static Outcome upload(Group& g, const Request& r, MapWriter& out);
  static Outcome erase(Group& g, const Request& r, MapWriter& out);
  static Outcome slot_info(Group& g, const Request& r, MapWriter& out);
  static void write_state(ImageGroup& self, MapWriter& out);
};

const Group::Command ImageGroup::kCommands[4] = {
    {kState, &ImageGroup::Handlers::state, &ImageGroup::Handlers::state_write},
    {kUpload, nullptr, &ImageGroup::Handlers::upload},
    {kErase, nullptr, &ImageGroup::Handlers::erase},
    {kSlotInfo, &ImageGroup::Handlers::slot_info, nullptr},
};

ImageGroup::ImageGroup(ImageSlots& slots, UploadSink& sink) : Group(group::image, kCommands), slots_(slots), sink_(sink) {}

Outcome ImageGroup::Handlers::state(Group& g, const Request& r, MapWriter& out) {
  std::array<Field, 0> none{};
  if (decode_map(r.payload, none) != DecodeError::none) {
    return Outcome::protocol(Err::invalid);
  }
  write_state(static_cast<ImageGroup&>(g), out);
  return Outcome::success();
}

void ImageGroup::Handlers::write_state(ImageGroup& self, MapWriter& out) {
  std::array<SlotState, ImageSlots::kMaxSlots> slots{};
  const std::size_t n = std::min(self.slots_.read(slots), slots.size());
  out.array("images", [&](MapWriter& images) {
    for (std::size_t i = 0; i < n; ++i) {
      const SlotState& s = slots[i];
      images.map_in_array([&](MapWriter& m) {
        std::array<char, 48> version{};
        m.uint("image", s.image);
        m.uint("slot", s.slot);
        m.text("version", std::string_view{version.data(), format_version(s.version, version)});
        m.bytes("hash", s.hash);
        m.boolean("bootable", s.bootable);
        m.boolean("pending", s.pending);
        m.boolean("confirmed", s.confirmed);
        m.boolean("active", s.active);
        m.boolean("permanent", s.permanent);
      });
    }
  });
  out.uint("splitStatus", 0);
}

Outcome ImageGroup::Handlers::state_write(Group& g, const Request& r, MapWriter& out) {
  std::array<Field, 2> f{{{"hash", Field::Kind::bytes}, {"confirm", Field::Kind::boolean}}};
  if (decode_map(r.payload, f) != DecodeError::none) {
    return Outcome::protocol(Err::invalid);
  }
  const bool confirm = f[1].present && f[1].boolean;
  if (f[0].present && f[0].bytes.size() != 32) {
    return image_error(ImageError::invalid_hash);
  }
  if (!confirm && !f[0].present) {
    return Outcome::protocol(Err::invalid);  // a test names the image to test
  }
  auto& self = static_cast<ImageGroup&>(g);
  if (const ImageError e = self.slots_.set_state(f[0].present ? f[0].bytes : std::span<const std::byte>{}, confirm);
      e != ImageError::ok) {
    return image_error(e);
  }
  write_state(self, out);
  return Outcome::success();
}

Outcome ImageGroup::Handlers::erase(Group& g, const Request& r, MapWriter& /*out*/) {
  std::array<Field, 1> f{{{"slot", Field::Kind::uint}}};
  if (decode_map(r.payload, f) != DecodeError::none) {
    return Outcome::protocol(Err::invalid);
  }
  const std::uint64_t slot = f[0].present ? f[0].uint : 1;
  if (slot > UINT8_MAX) {
    return image_error(ImageError::invalid_slot);
  }
  auto& self = static_cast<ImageGroup&>(g);
  self.close();  // the session's bytes are going away
  if (const ImageError e = self.slots_.erase(static_cast<std::uint32_t>(slot)); e != ImageError::ok) {
    return image_error(e);
  }
  return Outcome::success();
}

Outcome ImageGroup::Handlers::slot_info(Group& g, const Request& r, MapWriter& out) {
  std::array<Field, 0> none{};
  if (decode_map(r.payload, none) != DecodeError::none) {
    return Outcome::protocol(Err::invalid);
  }
  std::array<ImageSlotSizes, ImageSlots::kMaxImages> images{};
  const std::size_t n = std::min(static_cast<ImageGroup&>(g).slots_.sizes(images), images.size());
  out.array("images", [&](MapWriter& list) {
    for (std::size_t i = 0; i < n; ++i) {
      const ImageSlotSizes& image = images[i];
      list.map_in_array([&](MapWriter& m) {
        m.uint("image", image.image);
        m.array("slots", [&](MapWriter& slots) {
          for (std::uint32_t slot = 0; slot < image.slot_size.size(); ++slot) {
            slots.map_in_array([&](MapWriter& s) {
              s.uint("slot", slot);
              s.uint("size", image.slot_size[slot]);
              if (slot == 1) {
                s.uint("upload_image_id", image.image);  // an upload names the image, lands in slot 1
              }
            });
          }
        });
        if (image.max_image_size != 0) {
          m.uint("max_image_size", image.max_image_size);
        }
      });
    }
  });
  return Outcome::success();
}

Outcome ImageGroup::Handlers::upload(Group& g, const Request& r, MapWriter& out) {
  std::array<Field, 6> f{{{"off", Field::Kind::uint},
                          {"data", Field::Kind::bytes},
                          {"len", Field::Kind::uint},
                          {"sha", Field::Kind::bytes},
                          {"image", Field::Kind::uint},
                          {"upgrade", Field::Kind::boolean}}};
  if (decode_map(r.payload, f) != DecodeError::none || !f[0].present || !f[1].present) {
    return Outcome::protocol(Err::invalid);
  }
  Chunk c;
  c.off = f[0].uint;
  c.data = f[1].bytes;
  c.has_len = f[2].present;
  c.len = f[2].uint;
  c.has_sha = f[3].present;
  c.sha = f[3].bytes;
  c.image = f[4].present ? f[4].uint : 0;
  c.upgrade = f[5].present && f[5].boolean;
  auto& self = static_cast<ImageGroup&>(g);
  return c.off == 0 ? self.start_or_resume(c, out) : self.take(c, out);
}

Outcome ImageGroup::start_or_resume(const Chunk& c, MapWriter& out) {
  if (!c.has_len || c.len == 0 || c.len > UINT32_MAX) {
    return image_error(ImageError::invalid_length);
  }
  if (c.has_sha && c.sha.size() != session_.sha.size()) {
    return Outcome::protocol(Err::invalid);
  }
  if (c.image > UINT8_MAX) {
    return image_error(ImageError::invalid_slot);
  }
  UploadStart start;
  start.image = static_cast<std::uint32_t>(c.image);
  start.length = static_cast<std::uint32_t>(c.len);
  start.has_sha = c.has_sha;
  if (c.has_sha) {
    std::copy(c.sha.begin(), c.sha.end(), start.sha.begin());
  }
  start.upgrade_only = c.upgrade;
  // The same image, length and hash as the open session: the client resumes; nothing is written.
  if (open_ && start.has_sha && session_.has_sha && start.sha == session_.sha && start.image == session_.image &&
      start.length == session_.length) {
    out.uint("off", next_);
    return Outcome::success();
  }
  close();
  std::uint32_t resume_at = 0;
  if (const ImageError e = sink_.begin(start, resume_at); e != ImageError::ok) {
    return image_error(e);
  }
  open_ = true;
  session_ = start;
  next_ = 0;
  if (resume_at != 0) {
    // A session that survived a reset: only a sink that knows this image's hash resumes one.
    if (!start.has_sha || resume_at >= start.length) {
      close();
      return image_error(ImageError::unknown);
    }
    next_ = resume_at;
    out.uint("off", next_);
    return Outcome::success();
  }
  return take(c, out);
}

Outcome ImageGroup::take(const Chunk& c, MapWriter& out) {
  if (!open_) {
    out.uint("off", 0);
    return image_error(ImageError::invalid_offset);
  }
  if (c.off != next_) {
    out.uint("off", next_);
    return image_error(ImageError::invalid_offset);
  }
  if (c.data.size() > session_.length - next_) {
    out.uint("off", next_);
    return image_error(ImageError::invalid_image_data_overrun);
  }
  if (!c.data.empty()) {
    // The chunk's own offset (equal to next_ by the check above): a sink that sees anything but
    // the next contiguous offset has found a bug here (the fuzz target's sink aborts on it).
    if (const ImageError e = sink_.write(static_cast<std::uint32_t>(c.off), c.data); e != ImageError::ok) {
      close();
      return image_error(e);
    }
    next_ += static_cast<std::uint32_t>(c.data.size());
  }
  if (next_ == session_.length) {
    open_ = false;  // finished or refused: either way the session is over
    if (const ImageError e = sink_.finish(); e != ImageError::ok) {
      return image_error(e);
    }
  }
  out.uint("off", next_);
  return Outcome::success();
}

void ImageGroup::close() {
  if (open_) {
    sink_.abort();
    open_ = false;
  }
}

}  // namespace ward::mgmt
