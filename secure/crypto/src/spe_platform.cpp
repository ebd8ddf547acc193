// The secure side's platform glue for Mbed TLS (built into ward_mbedtls_spe, with the SPE config):
// the crypto partition's storage (Mbed TLS's psa_its_* calls, renamed ward_crypto_its_* by
// crypto_spe.h), PSA's random generator and its stored seed, and on firmware the static heap.
//
// Built once per preset: no image configuration (ward/config.hpp) is visible here.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "mbedtls/platform_util.h"
#include "psa_crypto_its.h"  // Mbed TLS's library/ (declares ward_crypto_its_* after the rename)
#include "ward/secure/crypto/drbg.hpp"
#include "ward/secure/crypto/kdf.hpp"
#include "ward/secure/crypto/key_store.hpp"
#include "ward/secure/crypto/service.hpp"
#include "ward/secure/crypto/spe_platform.hpp"
#include "ward/secure/huk.hpp"

#if !defined(WARD_HOST_BUILD)
#include "mbedtls/memory_buffer_alloc.h"
#endif

namespace ward::secure::crypto {
namespace {
KeyStore* g_store = nullptr;
bool g_refused = false;  // a set was refused for lack of room (take_storage_refusal)

std::span<const std::byte> bytes(const void* data, std::size_t length) {
  return {static_cast<const std::byte*>(data), length};
}
}  // namespace

void set_key_store(KeyStore* store) { g_store = store; }
KeyStore* key_store() { return g_store; }

bool take_storage_refusal() {
  const bool refused = g_refused;
  g_refused = false;
  return refused;
}

#if !defined(WARD_HOST_BUILD)
namespace {
// Mbed TLS's only dynamic memory on the secure side: key material of the loaded keys, ECP
// temporaries, the entropy/DRBG contexts. Operations in progress live in the service's own static
// table, not here.
alignas(8) unsigned char heap[kSpeHeapSize];
bool heap_ready = false;

// The heap's high-water mark, measured as the secure stacks' are: the allocator takes the first
// free block that fits, from the start, and clears what it hands out (calloc), so everything it
// ever used lies below the last byte that no longer holds the paint. Painted after the first block
// header, which init writes at the start (32 bytes without MBEDTLS_MEMORY_DEBUG; 64 leave room).
// Every key the slots can hold, at its largest, with the allocator's 32-byte header, and 1 KiB for
// one operation's temporaries (the DRBG's reseed, an HMAC key's context) beside them.
static_assert(kSpeHeapSize >= kKeySlots * (kKeyMaterialMax + 32) + 1024);

constexpr unsigned char kUnused = 0x5a;
constexpr std::size_t kFirstHeaderRoom = 64;
#if defined(MBEDTLS_MEMORY_DEBUG)
#error "the heap's paint would overwrite the larger block headers of MBEDTLS_MEMORY_DEBUG"
#endif
}  // namespace

psa_status_t platform_init() {
  if (!heap_ready) {
    mbedtls_memory_buffer_alloc_init(heap, sizeof heap);
    std::memset(heap + kFirstHeaderRoom, kUnused, sizeof heap - kFirstHeaderRoom);
    heap_ready = true;
  }
  return seed_random();
}

std::size_t heap_used() {
  std::size_t used = 0;
  if (heap_ready) {
    used = sizeof heap;
    while (used > kFirstHeaderRoom && heap[used - 1] == kUnused) {
      --used;
    }
  }
  return used;
}
#else
// Host: the C library's allocator, so ASan sees every allocation.
psa_status_t platform_init() { return seed_random(); }
std::size_t heap_used() { return 0; }
#endif

}  // namespace ward::secure::crypto

using ward::secure::crypto::g_refused;
using ward::secure::crypto::g_store;

// --- Mbed TLS's persistent-key storage -> the crypto partition's ITS namespace -----------------

extern "C" psa_status_t ward_crypto_its_set(psa_storage_uid_t uid, uint32_t data_length, const void* p_data,
                                            psa_storage_create_flags_t create_flags) {
  if (g_store == nullptr) {
    return PSA_ERROR_STORAGE_FAILURE;
  }
  if (data_length != 0 && p_data == nullptr) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  const psa_status_t status = g_store->set(uid, ward::secure::crypto::bytes(p_data, data_length), create_flags);
  g_refused = g_refused || status == PSA_ERROR_INSUFFICIENT_STORAGE;
  return status;
}

extern "C" psa_status_t ward_crypto_its_get(psa_storage_uid_t uid, uint32_t data_offset, uint32_t data_length,
                                            void* p_data, size_t* p_data_length) {
  if (g_store == nullptr) {
    return PSA_ERROR_STORAGE_FAILURE;
  }
  if ((data_length != 0 && p_data == nullptr) || p_data_length == nullptr) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  return g_store->get(uid, data_offset, {static_cast<std::byte*>(p_data), data_length}, p_data_length);
}

extern "C" psa_status_t ward_crypto_its_get_info(psa_storage_uid_t uid, struct psa_storage_info_t* p_info) {
  if (g_store == nullptr) {
    return PSA_ERROR_STORAGE_FAILURE;
  }
  std::size_t size = 0;
  std::uint32_t flags = 0;
  const psa_status_t status = g_store->get_info(uid, &size, &flags);
  if (status != PSA_SUCCESS) {
    return status;
  }
  // cppcheck-suppress compareValueOutOfTypeRangeError ; never on firmware, possible on the host (64-bit size_t)
  if (size > UINT32_MAX) {
    return PSA_ERROR_DATA_CORRUPT;
  }
  p_info->size = static_cast<std::uint32_t>(size);
  p_info->flags = flags;
  return PSA_SUCCESS;
}

extern "C" psa_status_t ward_crypto_its_remove(psa_storage_uid_t uid) {
  if (g_store == nullptr) {
    return PSA_ERROR_STORAGE_FAILURE;
  }
  return g_store->remove(uid);
}

// --- The random generator ---------------------------------------------------------------------
//
// PSA's random generator is Ward's HMAC_DRBG (drbg.hpp), reached through
// MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG. Its entropy is a seed kept in the crypto partition's storage
// (ward_spe_mbedtls_config.h, "Random"): read at the first start of every boot and, before any
// random byte is produced, replaced with fresh output of the generator, so that no two boots
// start from the same state; when it cannot be replaced, nothing is produced. On a device's very
// first boot no seed is stored: it is derived from the hardware-unique key, so it is unique per
// device and unknown outside the secure side.

namespace ward::secure::crypto {
namespace {

// Seeds of earlier images (Mbed TLS's entropy block: 32 or 64 bytes) are read; 64 are written.
constexpr std::size_t kSeedMin = 32;
constexpr std::size_t kSeedSize = 64;
constexpr char kPersonalisation[] = "ward/crypto/psa-random/v1";

HmacDrbg g_random;

// The stored seed's length in `buf`, or 0 when there is none to trust.
std::size_t read_seed(std::span<std::byte, kSeedSize> buf) {
  std::size_t stored = 0;
  std::uint32_t flags = 0;
  const psa_status_t status = g_store->get_info(kNvSeedUid, &stored, &flags);
  if (status == PSA_SUCCESS) {
    std::size_t got = 0;
    if (stored < kSeedMin || stored > buf.size() || g_store->get(kNvSeedUid, 0, buf.first(stored), &got) != PSA_SUCCESS ||
        got != stored) {
      return 0;  // not a seed we wrote: refuse rather than run on a short or partial seed
    }
    return stored;
  }
  if (status != PSA_ERROR_DOES_NOT_EXIST) {
    return 0;
  }
  // First boot: seed = HKDF-SHA-256(salt = none, IKM = HUK, info = label, L = 64).
  static constexpr char kLabel[] = "ward/crypto/nv-seed/v1";
  hkdf_sha256(hardware_unique_key(), bytes(kLabel, sizeof kLabel - 1), buf);
  return buf.size();
}

}  // namespace

psa_status_t seed_random() {
  if (g_random.instantiated()) {
    return PSA_SUCCESS;
  }
  if (g_store == nullptr) {
    return PSA_ERROR_INSUFFICIENT_ENTROPY;
  }
  std::array<std::byte, kSeedSize> seed{};
  psa_status_t status = PSA_ERROR_INSUFFICIENT_ENTROPY;
  if (const std::size_t length = read_seed(seed); length != 0) {
    g_random.instantiate(std::span{seed}.first(length), bytes(kPersonalisation, sizeof kPersonalisation - 1));
    if (g_random.generate(seed) && g_store->set(kNvSeedUid, seed, 0) == PSA_SUCCESS) {
      status = PSA_SUCCESS;
    } else {
      g_random.clear();  // the next boot would repeat this one's stream: produce nothing
    }
  }
  mbedtls_platform_zeroize(seed.data(), seed.size());
  return status;
}

void platform_shutdown() { g_random.clear(); }

}  // namespace ward::secure::crypto

extern "C" psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t* /*context*/,
                                                        uint8_t* output, size_t output_size, size_t* output_length) {
  using ward::secure::crypto::g_random;
  *output_length = 0;
  if (ward::secure::crypto::seed_random() != PSA_SUCCESS) {
    return PSA_ERROR_INSUFFICIENT_ENTROPY;
  }
  for (size_t done = 0; done < output_size;) {
    const size_t n = std::min(output_size - done, ward::secure::crypto::HmacDrbg::kMaxRequest);
    if (!g_random.generate({reinterpret_cast<std::byte*>(output) + done, n})) {
      return PSA_ERROR_INSUFFICIENT_ENTROPY;
    }
    done += n;
  }
  *output_length = output_size;
  return PSA_SUCCESS;
}

#if !defined(WARD_HOST_BUILD)
// MBEDTLS_PLATFORM_EXIT_MACRO (from the general config): the buffer allocator found its heap
// corrupted. Nothing on the secure side can be trusted any more: stop. Weak, so the secure image
// can report it its own way (console, reset) before stopping.
extern "C" [[gnu::weak]] void ward_mbedtls_exit(int /*status*/) {
  for (;;) {
    __builtin_trap();
  }
}
#endif
