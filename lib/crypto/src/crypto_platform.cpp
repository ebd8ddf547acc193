// Ward's platform glue for Mbed TLS (see ward/crypto/mbedtls_platform.hpp).
//
// Compiled once per preset into the ward_mbedtls library, with Ward's warning flags. It must not
// include ward/config.hpp (that header is per image); WARD_HOST_BUILD tells the two builds apart.
#include "ward/crypto/mbedtls_platform.hpp"

#include <cstdint>
#include <cstring>

#include "mbedtls/entropy.h"

#if defined(WARD_HOST_BUILD)
#include <sys/random.h>

#include <cerrno>
#else
#include "mbedtls/memory_buffer_alloc.h"
#include "ward/board.hpp"
#include "ward/exit_status.hpp"
#include "ward/print.hpp"
#endif

#if defined(WARD_HOST_BUILD)

// Host: the kernel's CSPRNG.
extern "C" int mbedtls_hardware_poll(void* /*data*/, unsigned char* output, std::size_t len,
                                     std::size_t* olen) {
  std::size_t done = 0;
  while (done < len) {
    const ssize_t n = getrandom(output + done, len - done, 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      *olen = done;
      return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
    }
    done += static_cast<std::size_t>(n);
  }
  *olen = done;
  return 0;
}

namespace ward::crypto {

psa_status_t init() { return psa_crypto_init(); }

}  // namespace ward::crypto

#else  // firmware

// Firmware: the board's entropy source, ward::board::entropy32().
//
// WARNING: on QEMU's mps2-an505 this is NOT a true random source. QEMU models no TRNG; the board
// port derives its bits from the host's clock read through semihosting, which an observer of the
// host could estimate. Keys and nonces generated under QEMU are therefore predictable: fine for
// tests, never for real secrets. A port to real hardware must implement entropy32() with its TRNG
// (e.g. the SoC's TRNG peripheral, with its health tests) before PSA key generation, randomised
// ECDSA or ECDH can be trusted. Mbed TLS conditions these bits through its entropy pool (SHA-512)
// and CTR_DRBG, which does not add entropy that the source lacks.
extern "C" int mbedtls_hardware_poll(void* /*data*/, unsigned char* output, std::size_t len,
                                     std::size_t* olen) {
  std::size_t done = 0;
  while (done < len) {
    const std::uint32_t word = ward::board::entropy32();
    const std::size_t n = len - done < sizeof word ? len - done : sizeof word;
    std::memcpy(output + done, &word, n);
    done += n;
  }
  *olen = done;
  return 0;
}

// MBEDTLS_PLATFORM_EXIT_MACRO: the buffer allocator found its heap corrupted (a buffer overflow in
// a caller of Mbed TLS, or in Mbed TLS). Nothing can be trusted any more: stop like a kernel panic
// (ward/panic.hpp depends on the image's configuration, so this stops through the board directly).
extern "C" void ward_mbedtls_exit(int status) {
  ward::print("*** KERNEL PANIC: Mbed TLS found its heap corrupted (mbedtls_exit(", status, "))\n");
  ward::board::exit(static_cast<int>(ward::ExitStatus::panic));
}

namespace ward::crypto {
namespace {
// Mbed TLS's heap: its only source of dynamic memory on firmware. 8-byte aligned to match
// MBEDTLS_MEMORY_ALIGN_MULTIPLE.
alignas(8) unsigned char heap[kMbedtlsHeapSize];
bool heap_ready = false;
}  // namespace

psa_status_t init() {
  if (!heap_ready) {
    mbedtls_memory_buffer_alloc_init(heap, sizeof heap);
    heap_ready = true;
  }
  return psa_crypto_init();
}

}  // namespace ward::crypto

#endif
