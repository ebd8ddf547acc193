// Bring-up of the secure services before the non-secure world starts: the secure flash (on QEMU a
// host file through semihosting: the emulator has no flash that survives a run), the storage
// engines on it, and the crypto partition's key store. Requests reach them through
// ward::secure::dispatch (secure/service), called by the gateway.
#include <psa/error.h>

#include "secure_console.hpp"
#include "ward/flash/semihost_flash.hpp"
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

flash::SemihostFlash secure_flash{kFlashFile, kGeometry};
crypto::ItsKeyStore key_store;

}  // namespace

void start_services() {
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
}

}  // namespace ward::secure
