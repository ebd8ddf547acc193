// The key store's quotas (see key_quota.hpp and ward/secure/crypto/service.hpp, "Keys").
#include "key_quota.hpp"

#include <array>

#include "ward/secure/crypto/service.hpp"

namespace ward::secure::crypto::keys {
namespace {

// The ids Mbed TLS 3.6 gives volatile keys with its static key store: one per key slot, from
// PSA_KEY_ID_VENDOR_MIN (library/psa_crypto_slot_management.h, PSA_KEY_ID_VOLATILE_MIN/MAX). The
// host tests (VolatileKeysPerClientAreLimited, ReleasingAClientDestroysItsVolatileKeys) fail if
// that ever changes.
#if defined(MBEDTLS_PSA_KEY_STORE_DYNAMIC)
#error "the key quotas index volatile keys by the ids of Mbed TLS's static key store"
#endif
static_assert(MBEDTLS_PSA_KEY_SLOT_COUNT == kKeySlots,
              "MBEDTLS_PSA_KEY_SLOT_COUNT (ward_spe_mbedtls_config.h) and kKeySlots (service.hpp) disagree");
static_assert(kVolatileKeysPerClient <= kVolatileKeySlots && kVolatileKeySlots < kKeySlots);
constexpr psa_key_id_t kVolatileKeyIdMin = PSA_KEY_ID_VENDOR_MIN;

// Who holds the volatile key of each slot (ClientId 0: no one; no client has that identity), and
// whose quota it counts against: its owner's, or the user thread the kernel created it for.
std::array<ClientId, kKeySlots> g_owner{};
std::array<ClientId, kKeySlots> g_account{};

bool is_volatile_id(psa_key_id_t id) { return id >= kVolatileKeyIdMin && id - kVolatileKeyIdMin < kKeySlots; }

mbedtls_psa_stats_t stats() {
  mbedtls_psa_stats_t s;
  mbedtls_psa_get_stats(&s);
  return s;
}

}  // namespace

psa_status_t admit(ClientId account, psa_key_lifetime_t lifetime, std::size_t material) {
  if (material > kKeyMaterialMax) {
    return PSA_ERROR_NOT_SUPPORTED;
  }
  // Mbed TLS's own test for a key that takes a volatile slot (psa_start_key_creation).
  if (!PSA_KEY_LIFETIME_IS_VOLATILE(lifetime)) {
    return PSA_SUCCESS;
  }
  if (held(account) >= volatile_keys_allowed(account) || in_use() >= kVolatileKeySlots) {
    return PSA_ERROR_INSUFFICIENT_MEMORY;
  }
  return PSA_SUCCESS;
}

void created(ClientId client, ClientId account, mbedtls_svc_key_id_t key) {
  const psa_key_id_t id = MBEDTLS_SVC_KEY_ID_GET_KEY_ID(key);
  if (is_volatile_id(id)) {
    g_owner[id - kVolatileKeyIdMin] = client;
    g_account[id - kVolatileKeyIdMin] = account;
  }
}

void destroyed(ClientId client, psa_key_id_t id) {
  if (is_volatile_id(id) && g_owner[id - kVolatileKeyIdMin] == client) {
    g_owner[id - kVolatileKeyIdMin] = ClientId{0};
    g_account[id - kVolatileKeyIdMin] = ClientId{0};
  }
}

void release(ClientId client) {
  // One destroy per id a volatile key can have, qualified with the client as owner, so only the
  // client's own keys are found (whatever the record says). Persistent keys have ids outside this
  // range and stay (the client may come back for them, e.g. after a restart). Keys the kernel holds
  // for the client (g_account) are the kernel's to destroy, and stay counted until it does.
  for (std::size_t i = 0; i < kKeySlots; ++i) {
    (void)psa_destroy_key(mbedtls_svc_key_id_make(raw(client), kVolatileKeyIdMin + static_cast<psa_key_id_t>(i)));
    if (g_owner[i] == client) {
      g_owner[i] = ClientId{0};
      g_account[i] = ClientId{0};
    }
  }
}

void clear() {
  g_owner.fill(ClientId{0});
  g_account.fill(ClientId{0});
}

std::size_t held(ClientId account) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < kKeySlots; ++i) {
    n += g_owner[i] != ClientId{0} && g_account[i] == account ? 1 : 0;
  }
  return n;
}

std::size_t in_use() { return stats().MBEDTLS_PRIVATE(volatile_slots); }

bool consistent() {
  std::size_t recorded = 0;
  for (std::size_t i = 0; i < kKeySlots; ++i) {
    if (g_owner[i] == ClientId{0}) {
      continue;
    }
    ++recorded;
    // An existing volatile key is found in its slot, without touching storage.
    psa_key_attributes_t attributes = psa_key_attributes_init();
    const psa_status_t s = psa_get_key_attributes(
        mbedtls_svc_key_id_make(raw(g_owner[i]), kVolatileKeyIdMin + static_cast<psa_key_id_t>(i)), &attributes);
    psa_reset_key_attributes(&attributes);
    if (s != PSA_SUCCESS) {
      return false;
    }
  }
  return recorded == in_use();
}

}  // namespace ward::secure::crypto::keys
