// The bootloader's decision and swap engine: portable C++ over the flash interface, so the same
// code runs in the bootloader on QEMU and in the host power-cut sweep (tests/boot).
//
// Every boot, run():
//   1. finishes an interrupted upgrade or revert, from the status recorded in the primary trailer;
//   2. otherwise reverts a test image that was booted once and not confirmed;
//   3. otherwise starts a requested upgrade (secondary trailer magic) if the secondary image is
//      valid, signed with the built-in key and not below the security counter; an invalid request
//      is cancelled (its trailer erased) with the reason reported;
//   4. loads and verifies the primary image (through the Loader: on the device the copy in
//      executable memory is what gets verified), refuses it below the security counter, raises
//      the counter to a confirmed image's value, and returns it for hand-over.
// The swap itself ("swap with offset"): the new image sits one sector up in the secondary
// partition; step i moves primary sector i into the free secondary sector i, then new sector i
// into primary sector i. Each sector is erased once per direction and every byte of both images
// is written once per direction. Two status entries per step make every flash operation
// restartable after a power cut. See docs/boot.md for the state machine.
#pragma once
#include <cstdint>
#include <optional>

#include "ward/boot/layout.hpp"
#include "ward/boot/slot_state.hpp"
#include "ward/flash/flash.hpp"
#include "ward/image/format.hpp"
#include "ward/result.hpp"

namespace ward::boot {

enum class Error : std::uint8_t {
  flash = 1,         // a flash operation failed (on the host sweep: the power went away)
  no_bootable_image, // the primary slot holds no valid image and nothing can be reverted
  invalid_state,     // application API: not now (e.g. an upgrade request while on trial)
  no_image,          // application API: the secondary slot holds no image
  wrong_align,       // application API: the secondary trailer was written for another write unit
};

template <class T>
using Result = base::Result<T, Error>;
using base::fail;

// What the engine reports while it works (the bootloader prints these on the console).
enum class Event : std::uint8_t {
  upgrade_start,       // a = sectors to swap, b = swap type (2 test, 3 permanent)
  upgrade_resume,      // a = sectors, b = first unfinished step
  upgrade_done,        // a = sectors
  upgrade_rejected,    // a = image::Error (as integer) of the secondary image
  rollback_rejected,   // a = image's security counter, b = stored counter (a < b)
  revert_start,        // a = sectors
  revert_resume,       // a = sectors, b = first unfinished step
  revert_done,         // a = sectors
  revert_impossible,   // a = image::Error of the image that would come back
  primary_invalid,     // a = image::Error
  counter_raised,      // a = new value
  flash_error,         // a = flash::Error
  request_wrong_align, // a = the alignment the secondary trailer names, b = this flash's (request cancelled)
  primary_trailer_wrong_align,  // a, b: as above, for the primary trailer (ignored, the image boots)
};

class Observer {
 public:
  virtual void on(Event e, std::uint32_t a, std::uint32_t b) = 0;

 protected:
  Observer() = default;
  ~Observer() = default;
  Observer(const Observer&) = default;
  Observer& operator=(const Observer&) = default;
};

// Makes the primary image's bytes available for verification where they will run.
class Loader {
 public:
  // `layout` was read from `slot` (bounds-checked). Returns the source to verify, or an error
  // (e.g. a load address outside executable memory: image::Error::load_outside_window). The engine boots
  // the image only if the layout it verifies from that source equals `layout`, so a loader may
  // rely on the fields it checked being the ones the hand-over uses.
  virtual image::Result<image::Source*> load(const image::Layout& layout, const flash::Region& slot) = 0;

 protected:
  Loader() = default;
  ~Loader() = default;
  Loader(const Loader&) = default;
  Loader& operator=(const Loader&) = default;
};

// An image::Source over a flash region.
class FlashSource final : public image::Source {
 public:
  explicit FlashSource(flash::Region region) : region_{region} {}
  image::Status read(std::uint32_t offset, std::span<std::byte> out) override;

 private:
  flash::Region region_;
};

// Verifies straight from flash (host tests; an execute-in-place device).
class FlashLoader final : public Loader {
 public:
  image::Result<image::Source*> load(const image::Layout& layout, const flash::Region& slot) override;

 private:
  std::optional<FlashSource> source_;
};

struct BootImage {
  image::Manifest manifest;
  bool test_boot = false;            // running on trial: the application must confirm it
  std::uint32_t security_counter = 0;  // stored value after this boot
};

class Engine {
 public:
  Engine(flash::Flash& flash, const FlashLayout& layout, const image::PublicKey& key, image::Crypto& crypto,
         Observer& observer)
      : flash_{flash}, layout_{layout}, key_{key}, crypto_{crypto}, observer_{observer} {}

  Result<BootImage> run(Loader& loader);

 private:
  Result<void> resume_upgrade(const TrailerState& t, bool fresh);
  Result<void> resume_revert(const TrailerState& t, bool fresh);
  // Reverts a test image if the image that would come back verifies; returns whether it did.
  Result<bool> start_revert(const TrailerState& t, std::uint32_t stored_counter);
  Result<void> try_start_upgrade(std::uint32_t stored_counter);
  Result<void> cancel_request();
  Result<BootImage> boot_primary(Loader& loader, std::uint32_t stored_counter, bool may_revert);

  Result<void> swap_step(unsigned direction, std::uint32_t step, std::uint32_t n);
  Result<void> copy_sector(const flash::Region& from, std::uint32_t from_index, const flash::Region& to,
                           std::uint32_t to_index);
  Result<void> check(flash::Status s);
  bool swap_recorded(const TrailerState& t) const;
  bool revertable(const TrailerState& t) const;
  std::uint32_t first_open_step(unsigned direction, std::uint32_t n);
  std::uint32_t sectors_for(std::uint32_t bytes) const;

  flash::Region primary() const { return layout_.primary(flash_); }
  flash::Region partition() const { return layout_.secondary_partition(flash_); }
  flash::Region secondary() const { return layout_.secondary(flash_); }

  flash::Flash& flash_;
  const FlashLayout& layout_;
  const image::PublicKey& key_;
  image::Crypto& crypto_;
  Observer& observer_;
};

}  // namespace ward::boot
