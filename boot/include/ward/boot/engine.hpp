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
#include <array>
#include <optional>
#include <span>

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
  image,               // multi-image: the events that follow concern image a (0 secure, 1 non-secure)
  dependency_unmet,    // a = needed image id << 8 | whether it is a pending upgrade (1) or the
                       // primary (0), b = minimum version (major << 24 | minor << 16 | revision)
  request_breaks_dependency,  // this image's request is cancelled: image a (staying as it is) needs
                              // this image >= b (encoded as above), which the request is not
  trial_kept,          // this image's trial is confirmed, not reverted: the confirmed image a needs
                       // it (>= b, encoded as above) and the image before it does not meet that
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

// The lowest security counter a new image for `layout`'s slots may carry: the stored counter, or
// the primary image's if that is higher. The stored counter moves only when a confirmed image
// boots, so from its confirmation (MCUboot's boot_set_confirmed, psa_fwu_accept) to that boot it
// lags the confirmed image, and an image in between (the previous, vulnerable one) would be a
// rollback. Used where the primary is the confirmed image (no trial is running). The primary's
// counter is read, not verified: it only makes the check stricter, and only the bootloader and the
// secure side write the primary slot.
std::uint32_t rollback_floor(flash::Flash& flash, const FlashLayout& layout, std::uint32_t stored);

// The manifest of the image at the start of `area`, an image area (a slot without its trailer
// sector): read, not verified. One call for every place that reads a slot's manifest (ROM).
image::Result<image::Manifest> read_manifest_at(const flash::Region& area);

struct BootImage {
  image::Manifest manifest;
  bool test_boot = false;            // running on trial: the application must confirm it
  std::uint32_t security_counter = 0;  // stored value after this boot
};

// What the first phase of a boot did (Engine::finish).
enum class Finished : std::uint8_t {
  steady,            // nothing was pending: a request may be looked at
  upgrade_resumed,   // an interrupted upgrade was completed
  reverted,          // a revert was resumed or started: the primary must not be reverted again
};

class Engine {
 public:
  Engine(flash::Flash& flash, const FlashLayout& layout, const image::PublicKey& key, image::Crypto& crypto,
         Observer& observer)
      : flash_{flash}, layout_{layout}, key_{key}, crypto_{crypto}, observer_{observer} {}

  // The single-image boot: finish(), request(), upgrade(), boot().
  Result<BootImage> run(Loader& loader);

  // The phases of a boot, for the multi-image engine (MultiEngine) that interleaves them.
  Result<std::uint32_t> stored_counter();
  // Resumes an interrupted upgrade or revert, or reverts a test image whose trial is over.
  Result<Finished> finish(std::uint32_t stored_counter);
  // The secondary image if an upgrade is requested and it verifies and is not a rollback; an
  // invalid request is cancelled with its reason reported. Nothing is swapped yet.
  Result<std::optional<image::Manifest>> request(std::uint32_t stored_counter);
  // Drops a request (its trailer sector is erased), e.g. when its dependency is not met.
  Result<void> cancel_request();
  // Swaps in the secondary image `next` (from request()), test or permanent as requested.
  Result<void> upgrade(const image::Manifest& next);
  // Loads and verifies the primary, reverting a failed test image if `may_revert`.
  Result<BootImage> boot(Loader& loader, std::uint32_t stored_counter, bool may_revert) {
    return boot_primary(loader, stored_counter, may_revert);
  }
  // Reverts the test image on trial in the primary slot (its dependency is not met); false if
  // the image that would come back does not verify.
  Result<bool> revert_trial(std::uint32_t stored_counter);
  // The primary's state: on its trial (swapped in as a test, neither confirmed nor reverted),
  // confirmed (no swap or revert pending, not on trial), or neither (a swap or revert pending).
  enum class Trial : std::uint8_t { neither, on_trial, confirmed };
  Result<Trial> trial();
  // Confirms the image on trial (image_ok, as MCUboot's boot_set_confirmed()).
  Result<void> confirm();
  // The version of the image in the primary slot, or with `secondary` of the one a revert would
  // bring back (header only, not verified): what a dependency of the other image is checked
  // against when this one is not being upgraded.
  std::optional<image::Version> version(bool secondary = false);
  // The dependencies of the image in the primary slot (not verified; none if it has no readable
  // manifest), which a request of another image must not break.
  struct Dependencies {
    std::size_t count = 0;
    std::array<image::Dependency, image::kMaxDependencies> dep{};
  };
  Dependencies primary_dependencies();

 private:
  Result<void> resume_upgrade(const TrailerState& t, bool fresh);
  Result<void> resume_revert(const TrailerState& t, bool fresh);
  // Reverts a test image if the image that would come back verifies; returns whether it did.
  Result<bool> start_revert(const TrailerState& t, std::uint32_t stored_counter);
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

// MCUboot's multi-image boot (docs/boot.md, "One chain of trust"): image i has its own slots,
// counter and key (its Engine), and may require a minimum version of another image (dependency
// TLV). Each boot: every image finishes what a power cut interrupted; every request is verified;
// requests whose dependencies are not met by the versions the images will have after this boot,
// and requests that would take away what an image staying as it is needs, are cancelled (repeated
// until none drops out); the remaining upgrades are swapped; every primary
// is loaded and verified; a primary whose dependency is not met is reverted if it is on trial
// (the other image lost its trial, e.g. to a power cut), otherwise the boot is refused.
inline constexpr std::size_t kMaxImages = 2;

struct ImageSlot {
  const FlashLayout* layout;
  const image::PublicKey* key;
  Loader* loader;
};

struct BootImages {
  std::size_t count = 0;
  std::array<BootImage, kMaxImages> image{};
};

class MultiEngine {
 public:
  MultiEngine(flash::Flash& flash, std::span<const ImageSlot> images, image::Crypto& crypto, Observer& observer)
      : flash_{flash}, images_{images}, crypto_{crypto}, observer_{observer} {}

  Result<BootImages> run();

 private:
  Engine engine(std::size_t i) const {
    return Engine{flash_, *images_[i].layout, *images_[i].key, crypto_, observer_};
  }
  // Whether `deps` are all met by `versions` (the images' versions after this boot); reports the
  // first unmet one (`pending`: it is a request's dependency, not a primary's).
  bool met(const image::Manifest& m, std::span<const std::optional<image::Version>> versions, bool pending);

  flash::Flash& flash_;
  std::span<const ImageSlot> images_;
  image::Crypto& crypto_;
  Observer& observer_;
};

}  // namespace ward::boot
