#include "ward/boot/ram_loader.hpp"

namespace ward::boot {

image::Result<image::Source*> RamLoader::load(const image::Layout& l, const flash::Region& slot) {
  const std::uint64_t begin = l.header.load_addr;
  const std::uint64_t end = begin + l.total_size;
  if ((l.header.flags & image::flag::kRamLoad) == 0 || begin < window_addr_ ||
      end > std::uint64_t{window_addr_} + window_.size() || (begin + l.header.hdr_size) % 512 != 0) {
    return image::fail(image::Error::bad_header);
  }
  // [begin, end) lies inside the window (checked above).
  const auto dst = window_.subspan(static_cast<std::size_t>(begin - window_addr_), l.total_size);
  if (!slot.read(0, dst)) {
    return image::fail(image::Error::io);
  }
  source_.emplace(dst);
  return &*source_;
}

}  // namespace ward::boot
