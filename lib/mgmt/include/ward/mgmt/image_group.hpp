// SMP group 1, image management (Zephyr's "Application/software image management group"), the
// commands served so far:
//   0 state   read -> {"images": [{"image", "slot", "version", "hash", "bootable", "pending",
//             "confirmed", "active", "permanent"}...], "splitStatus": 0}; the slots come from an
//             ImageSlots (the PSA Firmware Update binding on the device, a fake in host tests).
//   0 state   write {"hash"?, "confirm"?} -> the state read's answer: test the image with that hash
//             at the next boot (confirm false: hash required), or confirm the running image
//             (confirm true, no hash or the running image's hash)
//   1 upload  write {"off", "data", and at off 0: "len", "sha"?, "image"?, "upgrade"?} -> {"off"}
//   5 erase   write {"slot"?} -> {}: the staging slot (Zephyr's absolute slot number: image N's
//             secondary is 2N+1; default 1) emptied; an open upload session is closed first
//   6 slot info  read -> {"images": [{"image", "slots": [{"slot", "size", "upload_image_id"?}...],
//             "max_image_size"?}...]}: each image's slots with their sizes in bytes (from an
//             ImageSlots: the flash layout on the device); "upload_image_id" (the "image" an upload
//             names to reach that slot) on the staging slot only, as slot 0 is what runs
//
// Upload is a state machine over an UploadSink (the FWU binding; a fake in host tests):
//   - a chunk at off 0 starts a session: it must carry "len" (1..UINT32_MAX), "sha" (if present,
//     32 bytes: the SHA-256 of the whole image, which the sink checks at the end) and "image";
//     the sink's begin() may refuse it (image unknown, too large, not an upgrade);
//   - a chunk at off 0 whose "sha", "image" and "len" equal the open session's resumes it: the
//     answer is the session's offset and nothing is written (a client that lost the link asks
//     where to go on); a sink may also resume a session of the same image that survived a reset
//     (begin() names where: the answer is that offset and nothing is written);
//   - any other chunk must start exactly at the session's next offset and end within "len";
//     otherwise (replayed, out of order, beyond the end, no session) it is refused with an error
//     and, in the same answer, the offset the session expects: nothing is written;
//   - a write the sink refuses ends the session (its slot's contents are unknown): the client
//     starts again at 0;
//   - the chunk that reaches "len" calls the sink's finish() (the whole image's SHA-256, then
//     the FWU service's own checks); a refusal ends the session with the sink's error.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "ward/mgmt/server.hpp"

namespace ward::mgmt {

// img_mgmt_err_code_t: this group's own errors (SMP 2 "err"); the ones Ward uses.
enum class ImageError : std::uint16_t {
  ok = 0,
  unknown = 1,
  no_image = 3,
  flash_write_failed = 12,
  flash_erase_failed = 13,
  hash_not_found = 8,
  invalid_slot = 14,
  invalid_offset = 20,
  invalid_length = 21,
  invalid_image_header = 22,
  invalid_hash = 24,
  current_version_is_newer = 27,
  image_already_pending = 28,
  invalid_image_too_large = 30,
  invalid_image_data_overrun = 31,
  image_confirmation_denied = 32,
  image_setting_test_to_active_denied = 33,
};

struct ImageVersion {
  std::uint8_t major = 0;
  std::uint8_t minor = 0;
  std::uint16_t revision = 0;
  std::uint32_t build = 0;
};

struct SlotState {
  std::uint32_t image = 0;
  std::uint32_t slot = 0;
  ImageVersion version;
  std::array<std::byte, 32> hash{};
  bool bootable = false;
  bool pending = false;
  bool confirmed = false;
  bool active = false;
  bool permanent = false;
};

// One image's slots as the slot info command lists them: slot 0 runs, slot 1 takes uploads.
struct ImageSlotSizes {
  std::uint32_t image = 0;
  std::array<std::uint32_t, 2> slot_size{};  // bytes
  std::uint32_t max_image_size = 0;          // the largest upload the image takes; 0: not known (left out)
};

// The slots the state command lists (both images, both slots: at most kMaxSlots).
class ImageSlots {
 public:
  static constexpr std::size_t kMaxImages = 2;
  static constexpr std::size_t kMaxSlots = 2 * kMaxImages;
  // Fills `out` with the slots that hold an image; returns how many.
  virtual std::size_t read(std::span<SlotState, kMaxSlots> out) = 0;
  // Fills `out` with the device's images and their slot sizes; returns how many.
  virtual std::size_t sizes(std::span<ImageSlotSizes, kMaxImages> out) = 0;
  // State write. `hash` is empty or 32 bytes. confirm false: test the image with that hash at the
  // next boot; confirm true: keep the running image(s) (`hash` empty or naming a running image).
  virtual ImageError set_state(std::span<const std::byte> hash, bool confirm) = 0;
  // Empties a staging slot (absolute slot number: image N's secondary is 2N + 1).
  virtual ImageError erase(std::uint32_t slot) = 0;

 protected:
  ~ImageSlots() = default;
};

struct UploadStart {
  std::uint32_t image = 0;
  std::uint32_t length = 0;
  bool has_sha = false;
  std::array<std::byte, 32> sha{};
  bool upgrade_only = false;
};

// Where uploaded bytes go. Every call's error is this group's, answered to the client.
class UploadSink {
 public:
  // Opens a session. `resume_at` (0 on entry): the sink may set it to the bytes of this same image
  // (length and SHA-256) that are staged already (a session that survived a reset); it must be
  // below `start.length`. The group then continues from there.
  virtual ImageError begin(const UploadStart& start, std::uint32_t& resume_at) = 0;
  virtual ImageError write(std::uint32_t offset, std::span<const std::byte> data) = 0;
  // All `length` bytes written: check the image (the whole image's SHA-256 if the start had one).
  virtual ImageError finish() = 0;
  // The session ended without finish() (a refused write, a new upload at off 0).
  virtual void abort() = 0;

 protected:
  ~UploadSink() = default;
};

class ImageGroup final : public Group {
 public:
  static constexpr std::uint8_t kState = 0;
  static constexpr std::uint8_t kUpload = 1;
  static constexpr std::uint8_t kErase = 5;
  static constexpr std::uint8_t kSlotInfo = 6;

  ImageGroup(ImageSlots& slots, UploadSink& sink);

  // The open session's next offset (tests and diagnostics); 0 when no session is open.
  std::uint32_t expected_offset() const { return open_ ? next_ : 0; }
  bool session_open() const { return open_; }

 private:
  struct Chunk;
  Outcome start_or_resume(const Chunk& c, MapWriter& out);
  Outcome take(const Chunk& c, MapWriter& out);
  void close();
  // The command handlers (defined in the .cpp); nested, so they reach the group's state.
  struct Handlers;
  static const Command kCommands[4];

  ImageSlots& slots_;
  UploadSink& sink_;
  bool open_ = false;
  UploadStart session_;
  std::uint32_t next_ = 0;
};

}  // namespace ward::mgmt
