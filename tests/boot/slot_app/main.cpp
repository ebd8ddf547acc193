// An application that updates itself through Ward's bootloader (docs/boot.md), and the demo of a
// signed upgrade. On every boot it:
//   1. shows the state of both slots;
//   2. if it is running on trial (just installed by a test upgrade), runs its self-check and
//      confirms itself; with "--no-confirm" on the command line it reboots instead, so the
//      bootloader reverts it;
//   3. looks for a signed update in the host file update.bin (standing in for a download): if it
//      is newer than the running image and not already in the secondary slot, writes it there,
//      requests a test upgrade ("--permanent": a permanent one) and reboots.
// Exit status 0 when there is nothing (more) to do.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "ward/arch/arm/semihosting.hpp"
#include "ward/boot/board_layout.hpp"
#include "control.hpp"
#include "ward/flash/semihost_flash.hpp"
#include "ward/image/format.hpp"
#include "ward/print.hpp"

namespace {
using namespace ward;
namespace sh = arm::semihost;

void print_version(const image::Version& v) { print(v.major, '.', v.minor, '.', v.revision, '+', v.build); }

const char* field(boot::Field f) {
  switch (f) {
    case boot::Field::set: return "set";
    case boot::Field::unset: return "unset";
    case boot::Field::bad: return "torn";
    case boot::Field::foreign: return "written for another write alignment";
  }
  return "?";
}

void show(const char* name, const boot::SlotInfo& s) {
  print("  ", name, ": ");
  if (s.has_image) {
    print("image ");
    print_version(s.version);
    print(", ", s.image_size, " bytes, security counter ", s.security_counter);
  } else {
    print("no image");
  }
  print("; trailer magic ", field(s.trailer.magic), ", image_ok ", field(s.trailer.image_ok), ", copy_done ",
        field(s.trailer.copy_done), '\n');
}

// The semihosting command line ("-append" on QEMU's command line).
bool has_arg(std::string_view arg) {
  static char line[256];
  static bool read = false;
  if (!read) {
    std::uint32_t block[2] = {reinterpret_cast<std::uintptr_t>(line), sizeof line - 1};
    if (sh::call(static_cast<sh::Op>(0x15), block) != 0) {  // SYS_GET_CMDLINE
      line[0] = '\0';
    }
    line[sizeof line - 1] = '\0';
    read = true;
  }
  return std::string_view{line}.find(arg) != std::string_view::npos;
}

[[noreturn]] void reboot() {
  print("app: rebooting\n");
  asm volatile("dsb" ::: "memory");
  *reinterpret_cast<volatile std::uint32_t*>(0xE000ED0C) = 0x05FA0004;  // AIRCR.SYSRESETREQ
  for (;;) {
    asm volatile("wfi");
  }
}

// The running image's own header sits just below its vector table (RAM-load).
image::Version running_version() {
  std::array<std::byte, image::kHeaderSize> raw{};
  std::memcpy(raw.data(), reinterpret_cast<const void*>(static_cast<std::uintptr_t>(boot::kLoadAddr)), raw.size());
  auto h = image::parse_header(raw);
  return h ? h->version : image::Version{};
}

flash::SemihostFlash flash_file{config::boot_flash_file.data(), boot::kBoardLayout.geometry};

// Writes update.bin into the secondary slot; false if it is not newer or already there.
// cppcheck-suppress constParameter ; Control's methods are const, but this writes the flash through it
bool stage_update(boot::Control& ctl, const boot::BootState& st, const image::Version& running) {
  sh::HostFile update{"update.bin"};
  if (!update.ok()) {
    print("app: no update offered\n");
    return false;
  }
  std::array<std::byte, image::kHeaderSize> raw{};
  if (!update.read(0, raw) || !image::parse_header(raw)) {
    print("app: update.bin is not an image\n");
    return false;
  }
  const auto offered = image::parse_header(raw)->version;
  if (!(offered > running)) {
    print("app: update.bin (");
    print_version(offered);
    print(") is not newer\n");
    return false;
  }
  if (update.size() > boot::kBoardLayout.max_image_size()) {
    print("app: update.bin does not fit the slot\n");
    return false;
  }
  // Already in the secondary slot (tried and refused or reverted)? Then do not loop on it.
  bool same = st.secondary.has_image;
  std::array<std::byte, 512> a{}, b{};
  const flash::Region slot = boot::kBoardLayout.secondary(flash_file);
  for (std::uint32_t off = 0; same && off < update.size(); off += a.size()) {
    const std::uint32_t n = std::min<std::uint32_t>(a.size(), update.size() - off);
    same = update.read(off, std::span{a}.first(n)) && slot.read(off, std::span{b}.first(n)) &&
           std::equal(a.begin(), a.begin() + n, b.begin());
  }
  if (same) {
    print("app: update ");
    print_version(offered);
    print(" was already tried; not installing it again\n");
    return false;
  }
  print("app: downloading update ");
  print_version(offered);
  print(" (", update.size(), " bytes) into the secondary slot\n");
  if (!ctl.erase_secondary()) {
    print("app: cannot erase the secondary slot\n");
    return false;
  }
  for (std::uint32_t off = 0; off < update.size(); off += a.size()) {
    const std::uint32_t n = std::min<std::uint32_t>(a.size(), update.size() - off);
    const std::uint32_t padded = (n + 7) & ~7u;  // whole write units, padded with erased bytes
    std::fill(a.begin(), a.end(), std::byte{0xFF});
    if (!update.read(off, std::span{a}.first(n)) || !ctl.write_secondary(off, std::span{a}.first(padded))) {
      print("app: writing the secondary slot failed\n");
      return false;
    }
  }
  return true;
}

#ifdef WARD_UPDATE_BALLAST
// Padding that makes the benchmark image 256 KiB (boot time is measured for that size).
[[gnu::used]] const std::uint8_t ballast[WARD_UPDATE_BALLAST] = {1};
#endif

}  // namespace

int main() {
#ifdef WARD_UPDATE_BALLAST
  print("app: ", sizeof ballast - 1 + *static_cast<const volatile std::uint8_t*>(&ballast[0]), " bytes of ballast\n");
#endif
  const image::Version running = running_version();
  print("app: version ");
  print_version(running);
  if (!flash_file.open()) {
    print("\napp: cannot open the flash file\n");
    return 1;
  }
  boot::Control ctl{flash_file, boot::kBoardLayout};
  auto st = ctl.state();
  if (!st) {
    print("\napp: cannot read the slots\n");
    return 1;
  }
  print(st->on_trial ? " running ON TRIAL" : " running, confirmed", '\n');
  show("primary  ", st->primary);
  show("secondary", st->secondary);

  if (st->on_trial) {
    if (has_arg("--no-confirm")) {
      print("app: self-check skipped (--no-confirm): not confirming\n");
      reboot();
    }
    print("app: self-check passed\n");
    if (!ctl.confirm()) {
      print("app: confirm failed\n");
      return 1;
    }
    print("app: image confirmed\n");
    st = ctl.state();
  }

  if (!stage_update(ctl, *st, running)) {
    return 0;
  }
  const bool permanent = has_arg("--permanent");
  if (auto r = ctl.request_upgrade(permanent); !r) {
    print("app: upgrade request refused (", static_cast<int>(r.error()), ")\n");
    return 1;
  }
  print("app: ", permanent ? "permanent" : "test", " upgrade requested\n");
  reboot();
}
