// The image group's slots and upload sink on the PSA Firmware Update service (psa/update.h): the
// SMP server never writes flash; it hands the bytes to the secure side, which stages them, verifies
// the image at install with the bootloader's own checks, and the bootloader verifies it again
// before it test-boots it (docs/device-management.md, "Image management on PSA FWU").
//
// Image numbers are MCUboot's image indices, which mcumgr's "image" field names and which Ward's
// FWU components are: image 0 = the secure image (WARD_FWU_COMPONENT_SECURE), image 1 = the
// non-secure image (WARD_FWU_COMPONENT_NONSECURE). Slot 0 of an image is what runs, slot 1 what is
// staged; erase takes Zephyr's absolute slot number (image N's staging slot is 2N + 1).
//
// What each SMP request becomes:
//   upload at off 0     a stale download of that image cancelled and cleaned, psa_fwu_start
//   upload chunks       psa_fwu_write in the 8-byte units FWU takes (a tail of under 8 bytes waits
//                       in RAM for the next chunk), the whole image's SHA-256 computed as it goes
//   last chunk          the SHA-256 compared with the client's "sha" (else invalid_hash and the
//                       download cancelled), then psa_fwu_finish (CANDIDATE)
//   test by hash        psa_fwu_install (the secure side verifies signature, key and counter;
//                       STAGED, the bootloader test-boots it at the next reset)
//   confirm             psa_fwu_accept of every image on trial, then psa_fwu_clean
//   erase               psa_fwu_cancel / psa_fwu_clean of that image's staging
//
// Resuming. A lost link: the group's session stays open in RAM and an upload at off 0 with the
// same image, length and SHA-256 answers the offset to go on from. A reset: the FWU staging
// survives it, and so does a record this binding keeps in PSA Protected Storage per image (the
// upload's length and SHA-256, the header fields it needs, and every kCheckpoint bytes the SHA-256
// midstate). An upload at off 0 of the same image after the reset resumes at the last checkpoint
// at or below what psa_fwu_query says is staged; the bytes between are sent again, which FWU
// accepts only if they equal what is staged, so the SHA-256 still covers every byte.
#pragma once
#include <psa/update.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "ward/boot/sha256.hpp"
#include "ward/image/format.hpp"
#include "ward/mgmt/image_group.hpp"

namespace ward::mgmt {

class FwuBinding final : public ImageSlots, public UploadSink {
 public:
  static constexpr std::uint32_t kImages = 2;
  // The SHA-256 midstate is saved every this many bytes (one Protected Storage write each).
  static constexpr std::uint32_t kCheckpoint = 16 * 1024;

  // `record_uid`: the Protected Storage uid of image 0's record; image N's is record_uid + N.
  // `slot_size`: each image's slot size in bytes, from the board's flash layout (the FWU API does
  // not report it; boot::FlashLayout::slot_size(), both slots of an image the same size).
  FwuBinding(std::uint64_t record_uid, std::array<std::uint32_t, kImages> slot_size)
      : record_uid_(record_uid), slot_size_(slot_size) {}

  std::size_t read(std::span<SlotState, kMaxSlots> out) override;
  // The slot sizes given; the largest upload is what the FWU service takes (psa_fwu_query's
  // max_size, what begin() checks a length against).
  std::size_t sizes(std::span<ImageSlotSizes, kMaxImages> out) override;
  ImageError set_state(std::span<const std::byte> hash, bool confirm) override;
  ImageError erase(std::uint32_t slot) override;

  ImageError begin(const UploadStart& start, std::uint32_t& resume_at) override;
  ImageError write(std::uint32_t offset, std::span<const std::byte> data) override;
  ImageError finish() override;
  void abort() override;

  // What an image of this device is known by: the version and the SHA-256 TLV of its header and
  // TLVs (the hash mcumgr lists and tests by).
  struct Identity {
    std::uint8_t valid = 0;
    std::uint8_t major = 0;
    std::uint8_t minor = 0;
    std::uint8_t reserved = 0;
    std::uint16_t revision = 0;
    std::uint16_t reserved2 = 0;
    std::uint32_t build = 0;
    std::array<std::byte, 32> hash{};
  };
  // The record kept per image in Protected Storage (host-endian, read back by the same image).
  struct Record {
    std::uint32_t magic = 0;
    std::uint32_t length = 0;      // the open upload's length; 0: none
    std::array<std::byte, 32> sha{};
    std::uint32_t checkpoint = 0;  // bytes covered by `mid` (a multiple of kCheckpoint)
    std::uint32_t tlv_offset = 0;  // the upload's unprotected TLV area (from its header); 0: not yet
    std::array<std::uint32_t, 8> mid{};
    std::uint64_t mid_length = 0;
    Identity candidate;  // the last upload (valid once its header and hash TLV went by)
    Identity running;    // the image this binding saw accepted last
  };

 private:
  Record& record(std::uint32_t image) { return records_[image]; }
  bool load(std::uint32_t image);
  bool store(std::uint32_t image);
  ImageError fresh_start(const UploadStart& start, const psa_fwu_component_info_t& info);
  ImageError stage(std::uint32_t offset, std::span<const std::byte> data);
  ImageError flush_tail();
  void hash(std::uint32_t offset, std::span<const std::byte> data);
  void capture(std::uint32_t offset, std::span<const std::byte> data);
  ImageError test(std::span<const std::byte> hash);
  ImageError confirm(std::span<const std::byte> hash);
  void fill(std::uint32_t image, const psa_fwu_component_info_t& info, SlotState*& at, const SlotState* end);

  std::uint64_t record_uid_;
  std::array<std::uint32_t, kImages> slot_size_;
  std::array<Record, kImages> records_{};
  std::array<bool, kImages> loaded_{};
  // The open session (RAM only).
  bool open_ = false;
  std::uint32_t image_ = 0;
  std::uint32_t received_ = 0;  // bytes taken from the client (hashed)
  std::uint32_t staged_ = 0;    // bytes handed to FWU (a multiple of 8)
  boot::Sha256 sha_;
  std::array<std::byte, 8> tail_{};  // received_ - staged_ bytes waiting for a whole unit
  std::array<std::byte, image::kHeaderSize> header_{};
  std::array<std::byte, 4 + 2 * (4 + 32)> tlvs_{};  // the TLV area's start: info, then two TLVs
};

}  // namespace ward::mgmt
