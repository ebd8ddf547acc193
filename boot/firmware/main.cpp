// Ward's bootloader: the first code to run. It opens the flash (a host file on QEMU), lets the
// engine finish or start an upgrade or a revert, loads the primary image into executable memory,
// verifies that copy (SHA-256, ECDSA P-256 against the key built in, security counter) and hands
// over to it. Every refusal is printed with its reason. See docs/boot.md.
#include <cstdint>

#include "boot_console.hpp"
#include "handover.hpp"
#include "ward/arch/arm/semihosting.hpp"
#include "ward/board/cmsdk_uart.hpp"
#include "ward/boot/board_layout.hpp"
#include "ward/boot/boot_crypto.hpp"
#include "ward/boot/engine.hpp"
#include "ward/boot/ram_loader.hpp"
#include "ward/flash/semihost_flash.hpp"
#include "ward/version.hpp"

// The verification key: `ward-image getpub` output, generated at build time (never committed).
#include "boot_pub_key.inc"

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
  std::uint32_t image_ = 0xffffffffu;  // the image the last events were about (multi-image)

 public:
  void on(boot::Event e, std::uint32_t a, std::uint32_t b) override {
    using boot::Event;
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
      case Event::image:
        if (a != image_) {
          image_ = a;
          say("boot: image ", a, a == 0 ? " (secure)\n" : " (non-secure)\n");
        }
        break;
      case Event::dependency_unmet:
        say("boot: ", (a & 1) != 0 ? "upgrade" : "image", " REFUSED: dependency unmet: needs image ", a >> 8,
            " >= ", b >> 24, '.', (b >> 16) & 0xff, '.', b & 0xffff, '\n');
        break;
    }
  }
};

void print_version(const image::Version& v) { say(v.major, '.', v.minor, '.', v.revision, '+', v.build); }

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
