// Ward's bootloader: the first code to run. It opens the flash (a host file on QEMU), lets the
// engine finish or start an upgrade or a revert, loads the primary image into executable memory,
// verifies that copy (SHA-256, ECDSA P-256 against the key built in, security counter) and hands
// over to it. Every refusal is printed with its reason. See docs/boot.md.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

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

// Console lines with up to two numbers, a and b, printed by say_line() after "boot: ": within the
// text, kA and kB stand for a and b as numbers, kWhy for a as an image::Error's reason, kFlashWhy
// for a as a flash::Error's, kSwap for b as a swap type, kWorld for image a's world ("secure" or
// "non-secure"); for dependency_unmet, kWhat whether a names an upgrade or an image, kImageId the
// image id in a, kVersion the version b encodes. One interpreter and a text per line instead of a
// formatting call per piece: 0.6 KB less ROM.
enum Code : char { kA = 1, kB, kWhy, kFlashWhy, kSwap, kWhat, kImageId, kVersion, kWorld, kLastCode = kWorld };
static_assert(kLastCode < '\n');

// The line of each engine event, in boot::Event's order. Empty: the event prints nothing (image).
#define NUM_A "\x01"
#define NUM_B "\x02"
#define WHY "\x03"
#define FLASH_WHY "\x04"
#define SWAP "\x05"
#define WHAT "\x06"
#define IMAGE_ID "\x07"
#define VERSION "\x08"
#define WORLD "\x09"  // (NUM_A, NUM_B and WORLD are used to the end of the file)
constexpr std::array<const char*, static_cast<std::size_t>(boot::Event::trial_kept) + 1> kEventText = {
    "upgrade requested (" SWAP "): swapping " NUM_A " sectors\n",  // upgrade_start
    "resuming an interrupted upgrade at step " NUM_B " of " NUM_A "\n",  // upgrade_resume
    "upgrade done\n",  // upgrade_done
    "upgrade REFUSED: secondary image " WHY "\n",  // upgrade_rejected
    "image REFUSED: security counter " NUM_A " is below " NUM_B " (rollback)\n",  // rollback_rejected
    "test image not confirmed: reverting (" NUM_A " sectors)\n",  // revert_start
    "resuming an interrupted revert at step " NUM_B " of " NUM_A "\n",  // revert_resume
    "revert done\n",  // revert_done
    "cannot revert: the previous image is not valid (" WHY ")\n",  // revert_impossible
    "primary image REFUSED: " WHY "\n",  // primary_invalid
    "security counter raised to " NUM_A "\n",  // counter_raised
    "flash error: " FLASH_WHY "\n",  // flash_error
    // request_wrong_align, primary_trailer_wrong_align
    "upgrade REFUSED: trailer written for " NUM_A "-byte alignment, this flash needs " NUM_B "\n",
    "primary trailer ignored: trailer written for " NUM_A "-byte alignment, this flash needs " NUM_B "\n",
    "",  // image
    WHAT " REFUSED: dependency unmet: needs image " IMAGE_ID " >= " VERSION "\n",  // dependency_unmet
    "upgrade REFUSED: image " NUM_A " needs this image >= " VERSION "\n",  // request_breaks_dependency
    "trial kept: image " NUM_A " (confirmed) needs this image >= " VERSION "\n",  // trial_kept
};
#undef WHY
#undef FLASH_WHY
#undef SWAP
#undef WHAT
#undef IMAGE_ID
#undef VERSION
// Every line ends its text, and no text repeats the prefix or holds a control character that is
// not a placeholder.
static_assert(std::ranges::all_of(kEventText, [](std::string_view t) {
  return t.empty() || (!t.starts_with("boot: ") && t.back() == '\n' &&
                       std::ranges::all_of(t, [](char c) { return c >= ' ' || c == '\n' || c <= kLastCode; }));
}));

void say_line(const char* text, std::uint32_t a = 0, std::uint32_t b = 0) {
  fmt::Writer w{&console_write};
  SayArg{"boot: "}.put(w);
  for (const char* p = text; *p != '\0'; ++p) {
    switch (*p) {
      case kA: SayArg{a}.put(w); break;
      case kB: SayArg{b}.put(w); break;
      case kWhy: SayArg{image::to_string(static_cast<image::Error>(a))}.put(w); break;
      case kFlashWhy: SayArg{flash::to_string(static_cast<flash::Error>(a))}.put(w); break;
      case kSwap:
        SayArg{b == static_cast<std::uint32_t>(image::trailer::SwapType::perm) ? "permanent" : "test"}.put(w);
        break;
      case kWhat: SayArg{(a & 1) != 0 ? "upgrade" : "image"}.put(w); break;
      case kImageId: SayArg{a >> 8}.put(w); break;
      case kWorld: SayArg{a == 0 ? "secure" : "non-secure"}.put(w); break;
      case kVersion:  // major << 24 | minor << 16 | revision (boot::Event::dependency_unmet)
        for (const SayArg& part :
             {SayArg{b >> 24}, SayArg{'.'}, SayArg{(b >> 16) & 0xff}, SayArg{'.'}, SayArg{b & 0xffff}}) {
          part.put(w);
        }
        break;
      default: SayArg{*p}.put(w); break;
    }
  }
}

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
      say_line("image " NUM_A " (" WORLD "):\n", image_);
      named_ = true;
    }
    say_line(kEventText[static_cast<std::size_t>(e)], a, b);
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
  std::memcpy(m.component.data(), name.data(), name.size());  // (at most kMaxComponent: component_from_cbor)
  return static_cast<std::uint8_t>(name.size());
}

// A built-in verification key (`which` names it in the refusal: "" or "non-secure ").
image::Result<image::PublicKey> built_in_key(std::span<const std::uint8_t> spki, boot::BootCrypto& crypto,
                                             const char* which) {
  auto key = image::make_public_key(spki, crypto);
  if (!key) {
    say("boot: the built-in ", which, "key is not a P-256 public key: halting\n");
  }
  return key;
}

int boot_chain(boot::BootCrypto& crypto, flash::SemihostFlash& flash, const image::PublicKey& key0) {
  auto key1 = built_in_key(std::span{ecdsa_ns_pub_key, ecdsa_ns_pub_key_len}, crypto, "non-secure ");
  if (!key1) {
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
    say_line("flash wear this boot: " NUM_A " sectors erased, " NUM_B " bytes programmed\n", flash.sectors_erased(),
             flash.bytes_programmed());
  }
  if (!images) {
    say_line("no bootable image: halting\n");
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
    say_line("image " NUM_A " (" WORLD ") ", i);
    print_version(h.version);
    say(b.test_boot ? " on trial" : "", ", security counter ", b.manifest.security_counter, " (stored ",
        b.security_counter, "): verified\n");
  }
  // Safety: the record area is secure RAM outside the bootloader's (boot.ld) and outside both windows.
  if (!boot::record::encode(std::span{reinterpret_cast<std::byte*>(kRecordAddr), kRecordSize}, m)) {
    return 10;
  }
  const std::uint32_t ticks = systick::elapsed();
  say_line(NUM_A " SysTick ticks to hand-over\n", ticks);
  hand_over(m[0].entry, /*keep_stopwatch=*/true);
}

}  // namespace

void console_write(std::string_view text) { uart0.write(text); }

// Out of line: the Writer's code exists once, here.
[[gnu::noinline]] void SayArg::put(fmt::Writer& w) const {
  switch (size_) {
    case kNumber: w.put(static_cast<std::uint32_t>(value_)); break;
    case kChar: w.put(static_cast<char>(value_)); break;
    case kHex: w.put(fmt::hex(static_cast<std::uint32_t>(value_))); break;
    case kCString: w.put(reinterpret_cast<const char*>(value_)); break;
    default: w.put(std::string_view{reinterpret_cast<const char*>(value_), size_}); break;
  }
}

void say_list(std::span<const SayArg> args) {
  fmt::Writer w{&console_write};
  for (const SayArg& a : args) {
    a.put(w);
  }
}

void stop(int status) {
  arm::semihost::exit(status);  // QEMU: ends the run with this status
}

int main() {
  systick::start();
  uart0.enable_tx();
  say("*** Ward bootloader ", version::number, " (", version::git, ") ***\n");

  boot::BootCrypto crypto;
  auto key = built_in_key(std::span{ecdsa_pub_key, ecdsa_pub_key_len}, crypto, "");
  if (!key) {
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
    say_line("flash wear this boot: " NUM_A " sectors erased, " NUM_B " bytes programmed\n", flash.sectors_erased(),
             flash.bytes_programmed());
  }
  if (!image) {
    say_line("no bootable image: halting\n");
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
  say_line(NUM_A " SysTick ticks to hand-over\n", ticks);
  hand_over(h.load_addr + h.hdr_size);
}

}  // namespace ward::bootloader

#undef NUM_A
#undef NUM_B
#undef WORLD
