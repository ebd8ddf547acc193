// Bring-up of the secure services before the non-secure world starts: the secure flash (on QEMU a
// host file through semihosting: the emulator has no flash that survives a run) and the storage
// engines on it.
#include <psa/error.h>

#include "secure_console.hpp"
#include "ward/flash/semihost_flash.hpp"
#include "ward/secure/dispatch.hpp"
#include "ward/secure/storage_service.hpp"
#include "ward/secure/call.h"

namespace ward::secure {
namespace {

// The secure flash: ITS in the first 32 KiB, PS (which would sit in external flash on a real
// device) in the next 64 KiB. Each store uses its region as two banks (secure/storage/README.md).
constexpr flash::Geometry kGeometry{.size = 0x18000, .sector_size = 0x1000, .write_align = 8};
constexpr std::uint32_t kItsBase = 0, kItsSize = 0x8000;
constexpr std::uint32_t kPsBase = 0x8000, kPsSize = 0x10000;
constexpr const char* kFlashFile = "ward_secure_flash.img";

flash::SemihostFlash secure_flash{kFlashFile, kGeometry};
bool storage_up = false;

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
  storage_up = true;
}

psa_status_t dispatch(ClientId caller, std::uint32_t service, std::int32_t type,
                      std::span<const std::span<const std::byte>> in, std::span<const std::span<std::byte>> out,
                      std::span<std::size_t> out_written) {
  switch (service) {
    case WARD_SERVICE_ITS:
      return storage_up ? storage::handle_its(caller, type, in, out, out_written) : PSA_ERROR_STORAGE_FAILURE;
    case WARD_SERVICE_PS:
      return storage_up ? storage::handle_ps(caller, type, in, out, out_written) : PSA_ERROR_STORAGE_FAILURE;
    default:
      return PSA_ERROR_NOT_SUPPORTED;
  }
}

}  // namespace ward::secure
