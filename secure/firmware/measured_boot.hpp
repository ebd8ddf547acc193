// Measured boot, the secure image's side (docs/boot.md, "One chain of trust"). When the image is
// started by Ward's bootloader in the two-image chain (WARD_SECURE_CHAIN), the bootloader has
// verified both images and left its boot record in a fixed area at the start of secure RAM. The
// secure image takes it first thing: checks it (boot::record::decode: every size against the
// area), keeps the measurements for attestation, and starts the non-secure image at the entry
// point the bootloader verified, after checking it lies in the non-secure code window.
#pragma once
#include <cstdint>
#include <span>

#include "ward/boot/boot_record.hpp"

#ifndef WARD_SECURE_CHAIN
#define WARD_SECURE_CHAIN 0
#endif

namespace ward::secure::measured_boot {

inline constexpr bool kChained = WARD_SECURE_CHAIN != 0;
// The boot record's area: the first 1 KiB of secure RAM (secure_chain.ld starts the image's RAM
// above it; boot/firmware/boot.ld the bootloader's).
inline constexpr std::uintptr_t kRecordAddr = 0x38000000;
inline constexpr std::size_t kRecordSize = 0x400;

// Takes the boot record: false (reason printed) if there is none, it is malformed, it does not
// hold the secure and the non-secure image, or the non-secure entry is outside its window.
bool take();

// The measurements of the images that run (empty unless take() succeeded): for attestation.
std::span<const boot::record::Measurement> measurements();

// The chain's boot time: the bootloader leaves the secure SysTick counting from its reset (no
// interrupt); this prints the ticks up to now and stops it. Called right before the non-secure entry.
void report_boot_time();

// Where the non-secure image's vector table is: the verified entry from the boot record in the
// chain, the fixed start of the non-secure code window otherwise.
std::uint32_t ns_vector_table();

}  // namespace ward::secure::measured_boot
