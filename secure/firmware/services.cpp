// Bring-up of the secure services before the non-secure world starts: the secure flash (on QEMU a
// host file through semihosting: the emulator has no flash that survives a run), the storage
// engines on it, the crypto partition's key store, and Firmware Update on the boot flash (the
// bootloader's slots). Requests reach them through ward::secure::dispatch (secure/service), called
// by the gateway.
#include <psa/error.h>
#include <psa/update.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "measured_boot.hpp"
#include "secure_console.hpp"
#include "ward/arch/arm/registers.hpp"
#include "ward/boot/board_layout.hpp"
#include "ward/config.hpp"
#include "ward/flash/semihost_flash.hpp"
#include "ward/secure/attest/service.hpp"
#include "ward/secure/fwu/service.hpp"
#include "ward/secure/crypto/image_crypto.hpp"
#include "ward/secure/crypto/its_key_store.hpp"
#include "ward/secure/crypto/key_store.hpp"
#include "ward/secure/storage_service.hpp"

namespace ward::secure {
namespace {

// The secure flash: ITS in the first 32 KiB, PS (which would sit in external flash on a real
// device) in the next 64 KiB. Each store uses its region as two banks (secure/storage/README.md).
constexpr flash::Geometry kGeometry{.size = 0x18000, .sector_size = 0x1000, .write_align = 8};
constexpr std::uint32_t kItsBase = 0, kItsSize = 0x8000;
constexpr std::uint32_t kPsBase = 0x8000, kPsSize = 0x10000;
constexpr const char* kFlashFile = "ward_secure_flash.img";

// Each bank holds every entry the index and limits allow at its largest, with room to update the
// largest and for a tombstone: the flash never refuses a write the quotas accept, so the secure
// partitions' reserves (storage_service.hpp) are real on this flash. Unit 8 = the write alignment.
constexpr std::uint32_t kUnit = kGeometry.write_align < 8 ? 8 : kGeometry.write_align;
static_assert(storage::bank_bytes_needed(storage::kItsEntries, storage::kItsLimits, kUnit) <=
              storage::bank_capacity(kItsSize, kGeometry.sector_size, kUnit));
static_assert(storage::bank_bytes_needed(storage::kPsEntries, storage::kPsLimits, kUnit) <=
              storage::bank_capacity(kPsSize, kGeometry.sector_size, kUnit));

// Constant-initialised (no start-up code to construct them).
constinit flash::SemihostFlash secure_flash{kFlashFile, kGeometry};
crypto::ItsKeyStore key_store;

// --- Firmware Update ------------------------------------------------------------------------------
// The bootloader's flash (its slots and security counters; on QEMU the host file the bootloader
// opens) and the keys it verifies images with, built into both (ward-image getpub at build time).
// The primitives are the secure side's Mbed TLS (image_crypto.hpp); the checks are the bootloader's.
#include "boot_ns_pub_key.inc"
#include "boot_pub_key.inc"
constinit flash::SemihostFlash boot_flash{config::boot_flash_file.data(), boot::kBoardLayout.geometry};
crypto::ImageCrypto image_crypto;
image::PublicKey image_key{};     // image 0's key (the single-image bootloader's only one)
image::PublicKey ns_image_key{};  // image 1's key (the two-image chain)

// The updatable components, each with the slots the bootloader boots it from and the key its
// images must be signed with: the one table that says which exist. In the two-image chain
// (measured_boot.hpp, kChained) the bootloader boots this image from image 0's slots and the
// non-secure image from image 1's; the single-image bootloader boots only the non-secure image,
// from image 0's slots, and this image is not updatable (it reports DOES_NOT_EXIST).
const fwu::Component kChainComponents[] = {
    {WARD_FWU_COMPONENT_SECURE, &boot::kBoardLayout, &image_key, 0},
    {WARD_FWU_COMPONENT_NONSECURE, &boot::kBoardNsLayout, &ns_image_key, 1},
};
const fwu::Component kSingleImageComponents[] = {
    {WARD_FWU_COMPONENT_SECURE, nullptr, nullptr, 0},
    {WARD_FWU_COMPONENT_NONSECURE, &boot::kBoardLayout, &image_key, 0},
};

// psa_fwu_request_reboot: a system reset (AIRCR.SYSRESETREQ), the bootloader runs next.
[[noreturn]] void reboot() {
  constexpr std::uint32_t kVectKey = 0x05FAu << 16, kSysResetReq = 1u << 2;
  arm::scb::AIRCR::write(kVectKey | (arm::scb::AIRCR::read() & 0x0700u) | kSysResetReq);
  for (;;) {
    asm volatile("dsb\n\twfi");
  }
}

void start_fwu() {
  auto key = image::make_public_key(std::span{ecdsa_pub_key, ecdsa_pub_key_len}, image_crypto);
  auto ns_key = image::make_public_key(std::span{ecdsa_ns_pub_key, ecdsa_ns_pub_key_len}, image_crypto);
  if (!key || !ns_key) {
    say("secure: an image key is not a P-256 key: firmware update unavailable\n");
    return;
  }
  image_key = *key;
  ns_image_key = *ns_key;
  if (!boot_flash.open()) {
    say("secure: cannot open ", config::boot_flash_file, ": firmware update unavailable\n");
    return;
  }
  static fwu::Service service{boot_flash, *storage::its(), image_crypto,
                              measured_boot::kChained ? std::span<const fwu::Component>{kChainComponents}
                                       : std::span<const fwu::Component>{kSingleImageComponents},
                              &reboot};
  service.mount();
  fwu::set_instance(&service);
}

// --- Attestation ----------------------------------------------------------------------------------
// The configured claims (secure/attest/Kconfig) and the boot record's measurements.
constexpr int hex_digit(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}
constexpr bool valid_implementation_id(std::string_view hex) {
  if (hex.size() != 2 * attest::kHashSize) return false;
  for (char c : hex) {
    if (hex_digit(c) < 0) return false;
  }
  return true;
}
static_assert(valid_implementation_id(config::attest_implementation_id),
              "CONFIG_WARD_ATTEST_IMPLEMENTATION_ID must be 64 hex digits");
// Its bytes, decoded at compile time: the image holds the 32 bytes, not the 64 digits and a decoder.
constexpr std::array<std::uint8_t, attest::kHashSize> decode_implementation_id() {
  std::array<std::uint8_t, attest::kHashSize> id{};
  const auto& hex = config::attest_implementation_id;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const int high = hex_digit(hex[2 * i]);
    const int low = hex_digit(hex[2 * i + 1]);
    id[i] = static_cast<std::uint8_t>(high * 16 + low);
  }
  return id;
}
constexpr std::array<std::uint8_t, attest::kHashSize> kImplementationId = decode_implementation_id();
static_assert(config::attest_verification_service.size() <= attest::kMaxVerificationService,
              "CONFIG_WARD_ATTEST_VERIFICATION_SERVICE is longer than 128 bytes");
constexpr std::uint16_t kLifecycle =
    config::production ? attest::kLifecycleSecured : static_cast<std::uint16_t>(config::attest_lifecycle_development);
static_assert(config::production || config::attest_lifecycle_development != attest::kLifecycleSecured,
              "a development build does not claim the secured lifecycle");

// "major.minor.revision+build" into a component's version text.
std::size_t version_text(const image::Version& v, std::span<char> out) {
  std::size_t n = 0;
  const auto put = [&](std::uint32_t x) {
    char digits[10];
    std::size_t k = 0;
    do {
      digits[k++] = static_cast<char>('0' + x % 10);
      x /= 10;
    } while (x != 0);
    while (k != 0 && n < out.size()) out[n++] = digits[--k];
  };
  const auto sep = [&](char c) {
    if (n < out.size()) out[n++] = c;
  };
  put(v.major);
  sep('.');
  put(v.minor);
  sep('.');
  put(v.revision);
  sep('+');
  put(v.build);
  return n;
}

void start_attest() {
  attest::Settings settings;
  settings.implementation_id = kImplementationId;
  settings.lifecycle = kLifecycle;
  settings.verification_service = config::attest_verification_service;
  std::array<attest::SwComponent, attest::kMaxComponents> components{};
  std::size_t count = 0;
  for (const auto& m : measured_boot::measurements()) {
    if (count == components.size()) break;
    auto& c = components[count++];
    const auto name = m.component_name();
    c.type_size = std::min(name.size(), c.type.size());
    std::copy_n(name.begin(), c.type_size, c.type.begin());
    c.version_size = version_text(m.version, c.version);
    c.measurement = m.sha256;
    c.signer_id = m.signer_id;
  }
  (void)attest::configure(settings, std::span{components}.first(count));
}

}  // namespace

void start_services() {
  // Attestation first: it needs no storage to refuse (no boot record) or to be configured.
  start_attest();
  if (!secure_flash.open()) {
    say("secure: cannot open ", kFlashFile, ": storage unavailable\n");
    return;
  }
  const psa_status_t s = storage::init(flash::Region{secure_flash, kItsBase, kItsSize},
                                       flash::Region{secure_flash, kPsBase, kPsSize});
  if (s != PSA_SUCCESS) {
    say("secure: storage failed to start (", s, ")\n");
    return;
  }
  // Persistent keys and the DRBG's seed live in ITS (the crypto service starts on the first
  // psa_crypto_init a client makes).
  crypto::set_key_store(&key_store);
  // Its records live in ITS, in the FWU partition's reserve (storage_service.hpp).
  start_fwu();
}

}  // namespace ward::secure
