// A device that updates both of its images through the PSA Firmware Update API (psa/update.h):
// the non-secure application of the two-image chain (docs/boot.md, "One chain of trust"), and the
// non-secure half of `./ward demo`. The bootloader has verified the secure image and this image
// before either ran; this application never touches the flash: it hands the secure image the
// downloaded bytes, and the secure image checks them, stages them and asks the bootloader.
//
// On every boot it:
//   1. shows each component (secure image, non-secure image): version and PSA FWU state;
//   2. if an image runs on trial (just installed), runs its self-check and accepts the trial
//      (psa_fwu_accept confirms every image on trial together), then cleans what the update left;
//   3. takes the next offered update that is newer than what runs (host files standing in for a
//      download: update-ns.bin, update-s.bin, update-ns-rollback.bin), writes it with
//      psa_fwu_start/write/finish, installs it and asks the secure side to reboot. An update the
//      secure side refuses (bad signature, rollback) is reported and cleaned away.
// Exit status 0 when there is nothing (more) to do.
#include <psa/update.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "ward/arch/arm/semihosting.hpp"
#include "ward/image/format.hpp"
#include "ward/kernel.hpp"
#include "ward/print.hpp"

namespace {
using namespace ward;
namespace sh = arm::semihost;

constexpr psa_fwu_component_t kSecure = WARD_FWU_COMPONENT_SECURE;
constexpr psa_fwu_component_t kNonSecure = WARD_FWU_COMPONENT_NONSECURE;

const char* name(psa_fwu_component_t c) { return c == kSecure ? "secure image" : "non-secure image"; }

const char* state_name(std::uint8_t s) {
  switch (s) {
    case PSA_FWU_READY: return "READY";
    case PSA_FWU_WRITING: return "WRITING";
    case PSA_FWU_CANDIDATE: return "CANDIDATE";
    case PSA_FWU_STAGED: return "STAGED";
    case PSA_FWU_FAILED: return "FAILED";
    case PSA_FWU_TRIAL: return "TRIAL";
    case PSA_FWU_REJECTED: return "REJECTED";
    case PSA_FWU_UPDATED: return "UPDATED";
  }
  return "?";
}

const char* status_name(psa_status_t s) {
  switch (s) {
    case PSA_SUCCESS: return "success";
    case PSA_SUCCESS_REBOOT: return "success, reboot needed";
    case PSA_ERROR_NOT_PERMITTED: return "not permitted (rollback: security counter too low)";
    case PSA_ERROR_INVALID_SIGNATURE: return "invalid signature";
    case PSA_ERROR_BAD_STATE: return "bad state";
    case PSA_ERROR_INVALID_ARGUMENT: return "invalid argument";
    case PSA_ERROR_DOES_NOT_EXIST: return "does not exist";
    case PSA_ERROR_STORAGE_FAILURE: return "storage failure";
    case PSA_ERROR_DEPENDENCY_NEEDED: return "dependency needed";
  }
  return "error";
}

void print_version(const psa_fwu_image_version_t& v) { print(v.major, '.', v.minor, '.', v.patch, '+', v.build); }

bool newer(const image::Version& a, const psa_fwu_image_version_t& b) {
  return a > image::Version{b.major, b.minor, b.patch, b.build};
}

psa_fwu_component_info_t query(psa_fwu_component_t c) {
  psa_fwu_component_info_t info{};
  if (const psa_status_t s = psa_fwu_query(c, &info); s != PSA_SUCCESS) {
    print("device: query of the ", name(c), " failed: ", status_name(s), " (", s, ")\n");
  }
  return info;
}

void show(psa_fwu_component_t c) {
  const auto info = query(c);
  print("device: ", name(c), ' ');
  print_version(info.version);
  print(", state ", state_name(info.state));
  if (info.state == PSA_FWU_FAILED) print(" (", status_name(info.error), ')');
  print('\n');
}

// A host file standing in for a download (semihosting on QEMU, read-only).
class Download {
 public:
  explicit Download(const char* path) {
    const std::uint32_t open_args[3] = {reinterpret_cast<std::uintptr_t>(path), 1 /* "rb" */,
                                        static_cast<std::uint32_t>(std::strlen(path))};
    handle_ = static_cast<int>(sh::call(sh::Op::open, open_args));
    if (handle_ >= 0) {
      const std::uint32_t b[1] = {static_cast<std::uint32_t>(handle_)};
      size_ = static_cast<std::int32_t>(sh::call(sh::Op::flen, b));
    }
  }
  ~Download() {
    if (handle_ >= 0) {
      const std::uint32_t b[1] = {static_cast<std::uint32_t>(handle_)};
      sh::call(sh::Op::close, b);
    }
  }
  Download(const Download&) = delete;
  Download& operator=(const Download&) = delete;
  bool ok() const { return handle_ >= 0 && size_ > 0; }
  std::uint32_t size() const { return static_cast<std::uint32_t>(size_); }
  bool read(std::uint32_t offset, std::span<std::byte> out) const {
    const std::uint32_t seek[2] = {static_cast<std::uint32_t>(handle_), offset};
    const std::uint32_t rd[3] = {static_cast<std::uint32_t>(handle_), reinterpret_cast<std::uintptr_t>(out.data()),
                                 static_cast<std::uint32_t>(out.size())};
    return sh::call(sh::Op::seek, seek) == 0 && sh::call(sh::Op::read, rd) == 0;
  }

 private:
  int handle_ = -1;
  std::int32_t size_ = -1;
};

struct Offer {
  psa_fwu_component_t component;
  const char* file;
};
// In this order: the non-secure image, the secure image, then a rolled-back non-secure image
// (a higher version number, a lower security counter: what a downgrade attack looks like).
constexpr Offer kOffers[] = {
    {kNonSecure, "update-ns.bin"},
    {kSecure, "update-s.bin"},
    {kNonSecure, "update-ns-rollback.bin"},
};

alignas(8) std::array<std::byte, PSA_FWU_MAX_WRITE_SIZE> block;

// Writes `d` into the component's staging area through the secure side, from where the last boot
// left it (psa_fwu_query's impl.written: a download cut by a reset resumes there).
psa_status_t download(psa_fwu_component_t c, const Download& d) {
  auto info = query(c);
  if (info.state == PSA_FWU_READY) {
    if (const psa_status_t s = psa_fwu_start(c, nullptr, 0); s != PSA_SUCCESS) return s;
    info = query(c);
  }
  if (info.state != PSA_FWU_WRITING) return PSA_ERROR_BAD_STATE;
  for (std::uint32_t off = info.impl.written; off < d.size(); off += block.size()) {
    const std::uint32_t n = std::min<std::uint32_t>(block.size(), d.size() - off);
    if (!d.read(off, std::span{block}.first(n))) return PSA_ERROR_STORAGE_FAILURE;
    if (const psa_status_t s = psa_fwu_write(c, off, block.data(), n); s != PSA_SUCCESS) return s;
  }
  return psa_fwu_finish(c);
}

// Returns true if it installed an update (the device must reboot).
bool take_next_offer() {
  for (const Offer& o : kOffers) {
    const Download d{o.file};
    std::array<std::byte, image::kHeaderSize> raw{};
    if (!d.ok() || !d.read(0, raw)) continue;
    const auto header = image::parse_header(raw);
    if (!header) {
      print("device: ", o.file, " is not an image\n");
      continue;
    }
    const auto info = query(o.component);
    if (!newer(header->version, info.version)) continue;
    print("device: downloading ", o.file, " (", d.size(), " bytes) for the ", name(o.component), '\n');
    psa_status_t s = download(o.component, d);
    if (s == PSA_SUCCESS) s = psa_fwu_install();
    if (s == PSA_SUCCESS_REBOOT) {
      print("device: ", name(o.component), " staged; rebooting into it (test boot)\n");
      return true;
    }
    print("device: update ", o.file, " REFUSED by the secure side: ", status_name(s), " (", s, ")\n");
    // Leave the component ready for the next download.
    const auto after = query(o.component);
    if (after.state == PSA_FWU_WRITING || after.state == PSA_FWU_CANDIDATE) psa_fwu_cancel(o.component);
    if (query(o.component).state == PSA_FWU_FAILED) psa_fwu_clean(o.component);
    show(o.component);
  }
  return false;
}

// What an application checks before it keeps a new image; here: both worlds answer.
bool self_check() {
  psa_fwu_component_info_t info{};
  return psa_fwu_query(kSecure, &info) == PSA_SUCCESS && psa_fwu_query(kNonSecure, &info) == PSA_SUCCESS;
}

}  // namespace

int main() {
  print("device: the non-secure application is running (verified by the bootloader)\n");
  show(kSecure);
  show(kNonSecure);

  const bool trial = query(kSecure).state == PSA_FWU_TRIAL || query(kNonSecure).state == PSA_FWU_TRIAL;
  if (trial) {
    if (!self_check()) {
      print("device: self-check FAILED: rejecting the trial\n");
      psa_fwu_reject(PSA_ERROR_GENERIC_ERROR);
      psa_fwu_request_reboot();
      return 1;
    }
    const psa_status_t s = psa_fwu_accept();
    print("device: self-check passed; trial accepted: ", status_name(s), '\n');
    if (s != PSA_SUCCESS) return 1;
  }
  // An accepted update leaves its component UPDATED, a refused one FAILED: clean() frees the slot.
  for (const psa_fwu_component_t c : {kSecure, kNonSecure}) {
    const auto st = query(c).state;
    if (st == PSA_FWU_UPDATED || st == PSA_FWU_FAILED) psa_fwu_clean(c);
  }
  if (trial) {
    show(kSecure);
    show(kNonSecure);
  }

  if (take_next_offer()) {
    const psa_status_t s = psa_fwu_request_reboot();
    print("device: reboot refused: ", status_name(s), '\n');
    return 1;
  }
  print("device: up to date\n");
  return 0;
}
