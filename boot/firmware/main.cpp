// Ward's bootloader: the first code to run. It opens the flash (a host file on QEMU), lets the
// engine finish or start an upgrade or a revert, loads the primary image into executable memory,
// verifies that copy (SHA-256, ECDSA P-256 against the key built in, security counter) and hands
// over to it. Every refusal is printed with its reason. See docs/boot.md.
#include <algorithm>
#include <array>
#include <cstdint>

#include "boot_console.hpp"
#include "handover.hpp"
#include "ward/arch/arm/semihosting.hpp"
#include "ward/board/cmsdk_uart.hpp"
#include "ward/boot/board_layout.hpp"
#include "ward/boot/boot_crypto.hpp"
#include "ward/boot/boot_record.hpp"
#include "ward/boot/engine.hpp"
#include "ward/boot/ram_loader.hpp"
#include "ward/flash/semihost_flash.hpp"
#include "ward/version.hpp"

// The verification keys: `ward-image getpub` output, generated at build time (never committed).
// Image 0's (the secure image's, or the one application's) and image 1's (the non-secure image's).
#include "boot_ns_pub_key.inc"
#include "boot_pub_key.inc"

#ifndef WARD_BOOT_CHAIN
#define WARD_BOOT_CHAIN 0
#endif

namespace ward::bootloader {
namespace {

constexpr board::CmsdkUart uart0{0x50200000};

// SysTick as a stopwatch: 20 MHz under QEMU, i.e. 50 instructions per tick with -icount shift=0.
namespace systick {
volatile std::uint32_t& csr() { return *reinterpret_cast<volatile std::uint32_t*>(0xE000E010); }
volatile std::uint32_t& rvr() { return *reinterpret_cast<volatile std::uint32_t*>(0xE000E014); }
volatile std::uint32_t& cvr() { return *reinterpret_cast<volatile std::uint32_t*>(0xE000E018); }
void start() {
  rvr() = 0x00FFFFFF;
  cvr() = 0;
  csr() = 5;  // processor clock, enabled, no interrupt
}
std::uint32_t elapsed() { return (0x00FFFFFFu - cvr()) & 0x00FFFFFFu; }
}  // namespace systick

const char* swap_name(std::uint32_t type) { return type == 3 ? "permanent" : "test"; }

class ConsoleObserver final : public boot::Observer {
  // Multi-image: the image the next events are about, named once before the first of them.
  std::uint32_t image_ = 0xffffffffu;
  bool named_ = true;  // (a single-image boot names none)

 public:
  void on(boot::Event e, std::uint32_t a, std::uint32_t b) override {
    using boot::Event;
    if (e == Event::image) {
      if (a != image_) {
        image_ = a;
        named_ = false;
      }
      return;
    }
    if (!named_) {
      say("boot: image ", image_, image_ == 0 ? " (secure):\n" : " (non-secure):\n");
      named_ = true;
    }
    auto why = [](std::uint32_t err) { return image::to_string(static_cast<image::Error>(err)); };
    switch (e) {
      case Event::upgrade_start:
        say("boot: upgrade requested (", swap_name(b), "): swapping ", a, " sectors\n");
        break;
      case Event::upgrade_resume:
        say("boot: resuming an interrupted upgrade at step ", b, " of ", a, '\n');
        break;
      case Event::upgrade_done:
        say("boot: upgrade done\n");
        break;
      case Event::upgrade_rejected:
        say("boot: upgrade REFUSED: secondary image ", why(a), '\n');
        break;
      case Event::rollback_rejected:
        say("boot: image REFUSED: security counter ", a, " is below ", b, " (rollback)\n");
        break;
      case Event::revert_start:
        say("boot: the test image was not confirmed: reverting (", a, " sectors)\n");
        break;
      case Event::revert_resume:
        say("boot: resuming an interrupted revert at step ", b, " of ", a, '\n');
        break;
      case Event::revert_done:
        say("boot: revert done\n");
        break;
      case Event::revert_impossible:
        say("boot: cannot revert: the previous image is not valid (", why(a), ")\n");
        break;
      case Event::primary_invalid:
        say("boot: primary image REFUSED: ", why(a), '\n');
        break;
      case Event::counter_raised:
        say("boot: security counter raised to ", a, '\n');
        break;
      case Event::flash_error:
        say("boot: flash error: ", flash::to_string(static_cast<flash::Error>(a)), '\n');
        break;
      case Event::request_wrong_align:
      case Event::primary_trailer_wrong_align:
        say("boot: ", e == Event::request_wrong_align ? "upgrade REFUSED" : "primary trailer ignored",
            ": trailer written for ", a, "-byte alignment, this flash needs ", b, '\n');
      case Event::image:
        break;
      case Event::request_breaks_dependency:
        say("boot: upgrade REFUSED: image ", a, " needs this image >= ", b >> 24, '.', (b >> 16) & 0xff, '.',
            b & 0xffff, '\n');
        break;
      case Event::trial_kept:
        say("boot: the trial is kept (confirmed): image ", a, ", confirmed, needs this image >= ", b >> 24, '.',
            (b >> 16) & 0xff, '.', b & 0xffff, '\n');
        break;
      case Event::dependency_unmet:
        say("boot: ", (a & 1) != 0 ? "upgrade" : "image", " REFUSED: dependency unmet: needs image ", a >> 8,
            " >= ", b >> 24, '.', (b >> 16) & 0xff, '.', b & 0xffff, '\n');
        break;
    }
  }
};

void print_version(const image::Version& v) { say(v.major, '.', v.minor, '.', v.revision, '+', v.build); }

// The two-image chain (docs/boot.md, "One chain of trust"): image 0, the secure image, is loaded at
// 0x10008000 (secure alias); image 1, the non-secure image, at 0x00200000, written through the
// secure alias 0x10200000 of the same SSRAM1 bytes (no block is non-secure before the secure image
// configures the MPC). The boot record goes to the first 1 KiB of secure RAM.
constexpr bool kChain = WARD_BOOT_CHAIN != 0;
constexpr std::uint32_t kSecureWindow = 0x10008000, kSecureWindowSize = 0x10200000 - kSecureWindow;
constexpr std::uint32_t kNsWindow = 0x00200000, kNsWindowAlias = 0x10200000, kNsWindowSize = 0x200000;
constexpr std::uint32_t kRecordAddr = 0x38000000, kRecordSize = 0x400;
static_assert(boot::record::kMaxSize <= kRecordSize);

std::uint8_t component_name(boot::record::Measurement& m, const image::Manifest& man, const boot::RamLoader& l) {
  const auto placed = l.signed_part();
  // The boot record TLV lies in the protected area, inside the signed part read_manifest() bounded.
  if (man.boot_record_size == 0 || man.boot_record_offset + std::size_t{man.boot_record_size} > placed.size()) {
    return 0;
  }
  const auto tlv = placed.subspan(man.boot_record_offset, man.boot_record_size);
  const auto name = boot::record::component_from_cbor(
      {reinterpret_cast<const std::uint8_t*>(tlv.data()), tlv.size()});
  std::copy(name.begin(), name.end(), m.component.begin());
  return static_cast<std::uint8_t>(name.size());
}

int boot_chain(boot::BootCrypto& crypto, flash::SemihostFlash& flash, const image::PublicKey& key0) {
  auto key1 = image::make_public_key(std::span{ecdsa_ns_pub_key, ecdsa_ns_pub_key_len}, crypto);
  if (!key1) {
    say("boot: the built-in non-secure key is not a P-256 public key: halting\n");
    return 10;
  }
  ConsoleObserver observer{};
  // Safety: both windows are memory nothing of the bootloader uses (boot.ld: ROM below
  // 0x10008000, RAM from 0x38000400); each loader writes only inside its own.
  // Each image only at its window's start, the address it is linked for (boot::Placement).
  boot::RamLoader secure_loader{std::span{reinterpret_cast<std::byte*>(kSecureWindow), kSecureWindowSize},
                                kSecureWindow, boot::Placement::at_start};
  boot::RamLoader ns_loader{std::span{reinterpret_cast<std::byte*>(kNsWindowAlias), kNsWindowSize}, kNsWindow,
                            boot::Placement::at_start};
  const boot::ImageSlot slots[2] = {{&boot::kBoardLayout, &key0, &secure_loader},
                                    {&boot::kBoardNsLayout, &*key1, &ns_loader}};
  boot::MultiEngine engine{flash, slots, crypto, observer};
  auto images = engine.run();
  if (flash.bytes_programmed() != 0 || flash.sectors_erased() != 0) {
    say("boot: flash wear this boot: ", flash.sectors_erased(), " sectors erased, ", flash.bytes_programmed(),
        " bytes programmed\n");
  }
  if (!images) {
    say("boot: no bootable image: halting\n");
    return 10;
  }
  // The measurements, from the verified manifests and headers only.
  std::array<boot::record::Measurement, 2> m{};
  const image::PublicKey* keys[2] = {&key0, &*key1};
  const boot::RamLoader* loaders[2] = {&secure_loader, &ns_loader};
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& b = images->image[i];
    const auto& h = b.manifest.layout.header;
    m[i] = boot::record::measure(static_cast<std::uint8_t>(i), b.manifest, *keys[i], b.test_boot);
    m[i].entry = h.load_addr + h.hdr_size;
    m[i].component_size = component_name(m[i], b.manifest, *loaders[i]);
    say("boot: image ", i, i == 0 ? " (secure) " : " (non-secure) ");
    print_version(h.version);
    say(b.test_boot ? " on trial" : "", ", security counter ", b.manifest.security_counter, " (stored ",
        b.security_counter, "): verified\n");
  }
  // Safety: the record area is secure RAM outside the bootloader's (boot.ld) and outside both windows.
  if (!boot::record::encode(std::span{reinterpret_cast<std::byte*>(kRecordAddr), kRecordSize}, m)) {
    return 10;
  }
  const std::uint32_t ticks = systick::elapsed();
  say("boot: ", ticks, " SysTick ticks to hand-over (x50 = instructions under -icount shift=0)\n");
  hand_over(m[0].entry, /*keep_stopwatch=*/true);
}

}  // namespace

void console_write(std::string_view text) { uart0.write(text); }

void stop(int status) {
  arm::semihost::exit(status);  // QEMU: ends the run with this status
}

int main() {
  systick::start();
  uart0.enable_tx();
  say("*** Ward bootloader ", version::number, " (", version::git, ") ***\n");

  boot::BootCrypto crypto;
  auto key = image::make_public_key(std::span{ecdsa_pub_key, ecdsa_pub_key_len}, crypto);
  if (!key) {
    say("boot: the built-in key is not a P-256 public key: halting\n");
    return 10;
  }
  flash::SemihostFlash flash{config::boot_flash_file.data(), boot::kBoardLayout.geometry};
  if (!flash.open()) {
    say("boot: cannot open the flash file '", config::boot_flash_file, "': halting\n");
    return 10;
  }
  if constexpr (kChain) {
    return boot_chain(crypto, flash, *key);
  }
  ConsoleObserver observer{};
  // Safety: the executable window [kLoadAddr, kLoadAddr + kExecSize) is memory nothing of the
  // bootloader uses (boot.ld); the loader writes only inside it.
  boot::RamLoader loader{std::span{reinterpret_cast<std::byte*>(boot::kLoadAddr), boot::kExecSize}, boot::kLoadAddr};
  boot::Engine engine{flash, boot::kBoardLayout, *key, crypto, observer};
  auto image = engine.run(loader);
  if (flash.bytes_programmed() != 0 || flash.sectors_erased() != 0) {
    say("boot: flash wear this boot: ", flash.sectors_erased(), " sectors erased, ", flash.bytes_programmed(),
        " bytes programmed\n");
  }
  if (!image) {
    say("boot: no bootable image: halting\n");
    return 10;
  }
  // The verified header, which the engine compared with the one the loader checked: its load
  // address is where the signed bytes were placed. Used from here, never read again from the copy.
  const auto& h = image->manifest.layout.header;
  const std::uint32_t ticks = systick::elapsed();
  say("boot: starting image ");
  print_version(h.version);
  say(image->test_boot ? " on trial (it must confirm itself, or the next boot reverts it)" : "",
      ", security counter ", image->manifest.security_counter, " (stored ", image->security_counter, ")\n");
  say("boot: ", ticks, " SysTick ticks to hand-over (x50 = instructions under -icount shift=0)\n");
  hand_over(h.load_addr + h.hdr_size);
}

}  // namespace ward::bootloader
