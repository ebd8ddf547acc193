#include "ward/boot/ram_loader.hpp"

#include <algorithm>

namespace ward::boot {
namespace {
// Initial stack pointer and reset handler: what the hand-over reads from the loaded image.
constexpr std::uint32_t kVectorsRead = 8;
}  // namespace

image::Result<image::Source*> RamLoader::load(const image::Layout& l, const flash::Region& slot) {
  source_.reset();
  const std::uint64_t begin = l.header.load_addr;
  const std::uint64_t end = begin + l.hashed_size;
  if ((l.header.flags & image::flag::kRamLoad) == 0) {
    return image::fail(image::Error::not_ram_load);
  }
  if (begin < window_addr_ || end > std::uint64_t{window_addr_} + window_.size()) {
    return image::fail(image::Error::load_outside_window);
  }
  if (placement_ == Placement::at_start && begin != window_addr_) {
    return image::fail(image::Error::wrong_load_address);
  }
  if ((begin + l.header.hdr_size) % 512 != 0) {
    return image::fail(image::Error::vectors_misaligned);
  }
  if (l.hashed_size - l.header.hdr_size < kVectorsRead) {  // layout() proved hdr_size <= hashed_size
    return image::fail(image::Error::vectors_unsigned);
  }
  // [begin, end) lies inside the window (checked above).
  const auto at = static_cast<std::size_t>(begin - window_addr_);
  const auto dst = window_.subspan(at, l.hashed_size);
  const auto before = window_.first(at);
  const auto after = window_.subspan(at + dst.size());
  std::fill(before.begin(), before.end(), std::byte{0});
  std::fill(after.begin(), after.end(), std::byte{0});
  if (!slot.read(0, dst)) {
    std::fill(dst.begin(), dst.end(), std::byte{0});
    return image::fail(image::Error::io);
  }
  source_.emplace(dst, slot);
  return &*source_;
}

image::Status RamLoader::Placed::read(std::uint32_t offset, std::span<std::byte> out) {
  if (offset <= placed_.size() && out.size() <= placed_.size() - offset) {
    const auto from = placed_.subspan(offset, out.size());
    std::copy(from.begin(), from.end(), out.begin());
    return {};
  }
  if (offset >= placed_.size()) {
    return rest_.read(offset, out);
  }
  // Half signed part, half TLVs: no read of a consistent layout does this.
  return image::fail(image::Error::io);
}

}  // namespace ward::boot
