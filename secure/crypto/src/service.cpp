// The PSA Crypto service: decodes the requests of ward/secure/crypto_wire.h and calls the secure
// side's Mbed TLS (its psa_* names are ward_spe_psa_* here, through crypto_spe.h).
//
// Everything in a request is attacker data: the number of vectors, every size, every field. Each
// request's shape is checked exactly before anything is read; data vectors are only ever passed
// to Mbed TLS as (pointer, length) of the vector itself, so nothing reads past a vector. Key ids
// are qualified with the caller's identity (Mbed TLS's owner) here and only here.
#include <psa/crypto.h>

#include <mbedtls/platform_util.h>

#include <array>
#include <cstring>

#include <ward/secure/crypto_wire.h>

#include "key_quota.hpp"
#include "ward/secure/crypto/key_store.hpp"
#include "ward/secure/crypto/service.hpp"
#include "ward/secure/crypto/spe_platform.hpp"
#include "ward/secure/service_handlers.hpp"

namespace ward::secure::crypto {
namespace {

using Bytes = std::span<const std::byte>;

// --- Families the configuration builds nothing of --------------------------------------------------
// The medium profile (docs/secure-world.md, "Profiles") has no unauthenticated cipher, no RSA
// encryption and no interruptible ECC. Their requests are checked as always, then answered here as
// Mbed TLS answers an algorithm it does not have (PSA_ERROR_INVALID_ARGUMENT for an algorithm of
// another family, else PSA_ERROR_NOT_SUPPORTED), so that its code for them is not linked. Derived
// from the PSA_WANT_* set Mbed TLS builds, so no profile names them by hand.
#if defined(PSA_WANT_ALG_CBC_NO_PADDING) || defined(PSA_WANT_ALG_CBC_PKCS7) || defined(PSA_WANT_ALG_CTR) ||      \
    defined(PSA_WANT_ALG_CFB) || defined(PSA_WANT_ALG_OFB) || defined(PSA_WANT_ALG_ECB_NO_PADDING) ||             \
    defined(PSA_WANT_ALG_XTS) || defined(PSA_WANT_ALG_STREAM_CIPHER) || defined(PSA_WANT_ALG_CCM_STAR_NO_TAG)
constexpr bool kHasCiphers = true;
#else
constexpr bool kHasCiphers = false;
#endif
#if defined(PSA_WANT_ALG_RSA_PKCS1V15_CRYPT) || defined(PSA_WANT_ALG_RSA_OAEP)
constexpr bool kHasAsymmetricEncryption = true;
#else
constexpr bool kHasAsymmetricEncryption = false;
#endif
#if defined(MBEDTLS_ECP_RESTARTABLE)
constexpr bool kHasInterruptible = true;
#else
constexpr bool kHasInterruptible = false;
#endif

constexpr psa_status_t not_built(bool of_the_family) {
  return of_the_family ? PSA_ERROR_NOT_SUPPORTED : PSA_ERROR_INVALID_ARGUMENT;
}

// --- Request shape -----------------------------------------------------------------------------

enum Field : unsigned { kKey = 1u << 0, kAlg = 1u << 1, kHandle = 1u << 2, kStep = 1u << 3, kCapacity = 1u << 4 };

class Request {
 public:
  Request(ClientId caller, ClientId account, InVecs in, OutVecs out, std::span<std::size_t> written)
      : caller_(caller), account_(account), in_(in), out_(out), written_(written) {}

  // The request must carry the args vector plus exactly `inputs` data vectors and `outputs` output
  // vectors, and leave every args field it does not use at 0.
  psa_status_t expect(unsigned fields, std::size_t inputs, std::size_t outputs) {
    if (in_.size() != 1 + inputs || out_.size() != outputs || in_[0].size() != sizeof args_) {
      return PSA_ERROR_INVALID_ARGUMENT;
    }
    std::memcpy(&args_, in_[0].data(), sizeof args_);
    if (((fields & kKey) == 0 && args_.key != 0) || ((fields & kAlg) == 0 && args_.alg != 0) ||
        ((fields & kHandle) == 0 && args_.handle != 0) || ((fields & kStep) == 0 && args_.step != 0) ||
        ((fields & kCapacity) == 0 && args_.capacity != 0)) {
      return PSA_ERROR_INVALID_ARGUMENT;
    }
    return PSA_SUCCESS;
  }

  ClientId caller() const { return caller_; }
  // Whose quota the keys and operations it creates count against (dispatch(): the caller's, or the
  // user thread the non-secure kernel calls for). They are the caller's all the same.
  ClientId account() const { return account_; }
  const ward_crypto_args& args() const { return args_; }
  // The caller's key, owner-qualified: a caller can only ever name its own keys.
  mbedtls_svc_key_id_t key() const { return mbedtls_svc_key_id_make(raw(caller_), args_.key); }

  const std::uint8_t* in(std::size_t i) const { return reinterpret_cast<const std::uint8_t*>(in_[1 + i].data()); }
  std::size_t in_size(std::size_t i) const { return in_[1 + i].size(); }
  Bytes in_bytes(std::size_t i) const { return in_[1 + i]; }
  std::uint8_t* out(std::size_t i) const { return reinterpret_cast<std::uint8_t*>(out_[i].data()); }
  std::size_t out_size(std::size_t i) const { return out_[i].size(); }
  void wrote(std::size_t i, std::size_t n) { written_[i] = n; }

  // Fixed-size outputs (key id, handle, attributes, capacity): the vector must be exactly that big.
  template <typename T>
  psa_status_t put(std::size_t i, const T& value) {
    if (out_[i].size() < sizeof value) {
      return PSA_ERROR_BUFFER_TOO_SMALL;
    }
    if (out_[i].size() != sizeof value) {
      return PSA_ERROR_INVALID_ARGUMENT;
    }
    std::memcpy(out_[i].data(), &value, sizeof value);
    written_[i] = sizeof value;
    return PSA_SUCCESS;
  }

 private:
  ClientId caller_;
  ClientId account_;
  InVecs in_;
  OutVecs out_;
  std::span<std::size_t> written_;
  ward_crypto_args args_{};
};

// --- Key attributes across the wire --------------------------------------------------------------

psa_status_t decode_attributes(ClientId caller, Bytes wire, psa_key_attributes_t* attributes) {
  ward_crypto_key_attributes w{};
  if (wire.size() != sizeof w) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  std::memcpy(&w, wire.data(), sizeof w);
  if (w.reserved != 0 || w.type > 0xffffu || w.bits > 0xffffu) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  *attributes = psa_key_attributes_init();
  // The owner is always the caller, for volatile keys too: Mbed TLS gives a new volatile key the
  // owner found in its attributes. Id before lifetime: a volatile lifetime then clears the id part
  // again (keeping the owner), whatever the caller sent.
  psa_set_key_id(attributes, mbedtls_svc_key_id_make(raw(caller), w.id));
  psa_set_key_lifetime(attributes, w.lifetime);
  psa_set_key_type(attributes, static_cast<psa_key_type_t>(w.type));
  psa_set_key_bits(attributes, static_cast<std::size_t>(w.bits));
  psa_set_key_usage_flags(attributes, w.usage);
  psa_set_key_algorithm(attributes, w.alg);
  psa_set_key_enrollment_algorithm(attributes, w.alg2);
  return PSA_SUCCESS;
}

ward_crypto_key_attributes encode_attributes(const psa_key_attributes_t& attributes) {
  ward_crypto_key_attributes w{};
  w.type = psa_get_key_type(&attributes);
  w.bits = static_cast<std::uint32_t>(psa_get_key_bits(&attributes));
  w.lifetime = psa_get_key_lifetime(&attributes);
  w.id = MBEDTLS_SVC_KEY_ID_GET_KEY_ID(psa_get_key_id(&attributes));
  w.usage = psa_get_key_usage_flags(&attributes);
  w.alg = psa_get_key_algorithm(&attributes);
  w.alg2 = psa_get_key_enrollment_algorithm(&attributes);
  return w;
}

// --- Operation table -----------------------------------------------------------------------------
//
// Every multi-part operation (hash, MAC, cipher, AEAD, key derivation, interruptible sign and
// verify) lives here, never in the caller's memory: the caller holds a handle bound to it. A slot
// belongs to the client that set it up; any request naming it from another client, with the wrong
// kind, or after it ended (its generation moved on) is refused the same way.

enum class Kind : std::uint8_t { none, hash, kdf, mac, cipher, aead, sign, verify };

struct Slot {
  Kind kind = Kind::none;
  ClientId owner{0};
  ClientId account{0};  // whose quota it counts against (Request::account)
  // Bumped on every release, so a stale handle (or a guessed one) of a reused slot is refused.
  std::uint32_t generation = 0;
  union {
    psa_hash_operation_t hash{};
    psa_key_derivation_operation_t kdf;
    psa_mac_operation_t mac;
    psa_cipher_operation_t cipher;
    psa_aead_operation_t aead;
    psa_sign_hash_interruptible_operation_t sign;
    psa_verify_hash_interruptible_operation_t verify;
  };
};

Slot g_slots[kOperationSlots];

// handle = generation (24 bits) << 8 | (index + 1): never 0, which clients use for "no operation".
std::uint32_t handle_of(std::size_t index) {
  return ((g_slots[index].generation & 0xffffffu) << 8) | static_cast<std::uint32_t>(index + 1);
}

// The slot a handle names, if it is live, of the right kind and belongs to `caller`. Anything
// else is one answer (BAD_STATE: "this operation is not active"), so a caller learns nothing about
// other callers' handles.
Slot* find(ClientId caller, std::uint32_t handle, Kind kind) {
  const std::uint32_t index = (handle & 0xffu);
  if (index == 0 || index > kOperationSlots) {
    return nullptr;
  }
  Slot& slot = g_slots[index - 1];
  if (slot.kind != kind || slot.owner != caller || handle_of(index - 1) != handle) {
    return nullptr;
  }
  return &slot;
}

// The operations counted against `account`: its own, and those the kernel set up for it.
std::size_t held_by(ClientId account) {
  std::size_t held = 0;
  for (const auto& slot : g_slots) {
    held += slot.kind != Kind::none && slot.account == account ? 1 : 0;
  }
  return held;
}

psa_status_t allocate(ClientId caller, ClientId account, Kind kind, std::size_t* index) {
  std::size_t free_index = kOperationSlots;
  for (std::size_t i = 0; i < kOperationSlots && free_index == kOperationSlots; ++i) {
    if (g_slots[i].kind == Kind::none) {
      free_index = i;
    }
  }
  if (held_by(account) >= operations_allowed(account) || free_index == kOperationSlots) {
    return PSA_ERROR_INSUFFICIENT_MEMORY;
  }
  Slot& slot = g_slots[free_index];
  slot.kind = kind;
  slot.owner = caller;
  slot.account = account;
  switch (kind) {
    case Kind::hash:
      slot.hash = psa_hash_operation_init();
      break;
    case Kind::kdf:
      slot.kdf = psa_key_derivation_operation_init();
      break;
    case Kind::mac:
      slot.mac = psa_mac_operation_init();
      break;
    case Kind::cipher:
      slot.cipher = psa_cipher_operation_init();
      break;
    case Kind::aead:
      slot.aead = psa_aead_operation_init();
      break;
    case Kind::sign:
      slot.sign = psa_sign_hash_interruptible_operation_init();
      break;
    case Kind::verify:
      slot.verify = psa_verify_hash_interruptible_operation_init();
      break;
    case Kind::none:
      break;
  }
  *index = free_index;
  return PSA_SUCCESS;
}

void release(Slot& slot) {
  switch (slot.kind) {
    case Kind::hash:
      (void)psa_hash_abort(&slot.hash);
      break;
    case Kind::kdf:
      (void)psa_key_derivation_abort(&slot.kdf);
      break;
    case Kind::mac:
      (void)psa_mac_abort(&slot.mac);
      break;
    case Kind::cipher:
      if constexpr (kHasCiphers) {  // else never set up (not_built): nothing to abort
        (void)psa_cipher_abort(&slot.cipher);
      }
      break;
    case Kind::aead:
      (void)psa_aead_abort(&slot.aead);
      break;
    case Kind::sign:
      if constexpr (kHasInterruptible) {
        (void)psa_sign_hash_abort(&slot.sign);
      }
      break;
    case Kind::verify:
      if constexpr (kHasInterruptible) {
        (void)psa_verify_hash_abort(&slot.verify);
      }
      break;
    case Kind::none:
      break;
  }
  slot.kind = Kind::none;
  slot.owner = ClientId{0};
  slot.account = ClientId{0};
  ++slot.generation;
}

// --- Creating keys -------------------------------------------------------------------------------
//
// Every request that creates a key (import, generate, key derivation output) goes through
// create_key: the quotas first (key_quota.hpp: the size of any key; the caller's and everyone's
// volatile keys), then Mbed TLS, then the record of who holds the new key, then its id for the
// caller. Nothing else creates a key: the others only use existing ones (a persistent key is loaded
// into a slot as a cache entry Mbed TLS evicts again, and volatile keys always leave
// kPersistentKeySlots slots for that), raw key agreement and derivation output bytes go to the
// caller; psa_copy_key and the _custom variants go through create_key too.

// What Mbed TLS holds of a key it generates or derives: the buffer it allocates (psa_crypto.c,
// psa_generate_key_custom and psa_generate_derived_key_internal), 0 for a type it does not know
// (which it then refuses). An imported key holds its data.
std::size_t generated_material(const psa_key_attributes_t& attributes) {
  return PSA_EXPORT_KEY_OUTPUT_SIZE(psa_get_key_type(&attributes), psa_get_key_bits(&attributes));
}

template <typename Create>
psa_status_t create_key(Request& r, psa_key_attributes_t* attributes, std::size_t material, Create create) {
  psa_status_t status = keys::admit(r.account(), psa_get_key_lifetime(attributes), material);
  if (status == PSA_SUCCESS) {
    mbedtls_svc_key_id_t key = MBEDTLS_SVC_KEY_ID_INIT;
    status = create(attributes, &key);
    if (status == PSA_SUCCESS) {
      keys::created(r.caller(), r.account(), key);
      // The caller's output was checked before: the id always fits.
      status = r.put(0, static_cast<std::uint32_t>(MBEDTLS_SVC_KEY_ID_GET_KEY_ID(key)));
    }
  }
  psa_reset_key_attributes(attributes);
  return status;
}

// --- Request shapes ------------------------------------------------------------------------------
//
// One table says, for every request type of crypto_wire.h, what its request must look like: the
// args fields it uses, its data and output vectors, the kind of operation its handle names or it
// sets up, whether its first output is a key id or handle (exactly 4 bytes, checked before anything
// is created or started), whether that output is a variable-length answer, and whether it ends its
// operation. serve() checks all of it before any request runs, in one place, instead of each
// request repeating the checks.

enum Flag : std::uint16_t {
  kKnown = 1u << 12,   // a request type of crypto_wire.h
  kIdOut = 1u << 13,   // out[0] is a key id or handle: exactly 4 bytes, else PSA_ERROR_INVALID_ARGUMENT
  kAnswer = 1u << 14,  // out[0] answers the length the request reports, if it succeeds
  kEnds = 1u << 15,    // ends the operation its handle names, whatever the outcome
};

constexpr std::uint16_t shape(unsigned fields, unsigned inputs, unsigned outputs, Kind kind, unsigned flags) {
  return static_cast<std::uint16_t>(fields | inputs << 5 | outputs << 7 | static_cast<unsigned>(kind) << 9 | flags |
                                    kKnown);
}

struct Shape {
  std::int32_t type;
  std::uint16_t bits;
};

constexpr unsigned kKA = kKey | kAlg;
constexpr unsigned kH = kHandle;

constexpr Shape kRequests[] = {
    {WARD_CRYPTO_INIT, shape(0, 0, 0, Kind::none, 0)},
    {WARD_CRYPTO_GENERATE_RANDOM, shape(0, 0, 1, Kind::none, kAnswer)},
    {WARD_CRYPTO_IMPORT_KEY, shape(0, 2, 1, Kind::none, kIdOut)},
    {WARD_CRYPTO_GENERATE_KEY, shape(0, 1, 1, Kind::none, kIdOut)},
    {WARD_CRYPTO_EXPORT_KEY, shape(kKey, 0, 1, Kind::none, kAnswer)},
    {WARD_CRYPTO_EXPORT_PUBLIC_KEY, shape(kKey, 0, 1, Kind::none, kAnswer)},
    {WARD_CRYPTO_DESTROY_KEY, shape(kKey, 0, 0, Kind::none, 0)},
    {WARD_CRYPTO_PURGE_KEY, shape(kKey, 0, 0, Kind::none, 0)},
    {WARD_CRYPTO_GET_KEY_ATTRIBUTES, shape(kKey, 0, 1, Kind::none, 0)},
    {WARD_CRYPTO_COPY_KEY, shape(kKey, 1, 1, Kind::none, kIdOut)},
    {WARD_CRYPTO_GENERATE_KEY_CUSTOM, shape(0, 3, 1, Kind::none, kIdOut)},
    {WARD_CRYPTO_HASH_COMPUTE, shape(kAlg, 1, 1, Kind::none, kAnswer)},
    {WARD_CRYPTO_HASH_COMPARE, shape(kAlg, 2, 0, Kind::none, 0)},
    {WARD_CRYPTO_HASH_SETUP, shape(kAlg, 0, 1, Kind::hash, kIdOut)},
    {WARD_CRYPTO_HASH_UPDATE, shape(kH, 1, 0, Kind::hash, 0)},
    {WARD_CRYPTO_HASH_FINISH, shape(kH, 0, 1, Kind::hash, kAnswer | kEnds)},
    {WARD_CRYPTO_HASH_VERIFY, shape(kH, 1, 0, Kind::hash, kEnds)},
    {WARD_CRYPTO_HASH_ABORT, shape(kH, 0, 0, Kind::hash, kEnds)},
    {WARD_CRYPTO_HASH_CLONE, shape(kH, 0, 1, Kind::hash, kIdOut)},
    {WARD_CRYPTO_MAC_COMPUTE, shape(kKA, 1, 1, Kind::none, kAnswer)},
    {WARD_CRYPTO_MAC_VERIFY, shape(kKA, 2, 0, Kind::none, 0)},
    {WARD_CRYPTO_MAC_SIGN_SETUP, shape(kKA, 0, 1, Kind::mac, kIdOut)},
    {WARD_CRYPTO_MAC_VERIFY_SETUP, shape(kKA, 0, 1, Kind::mac, kIdOut)},
    {WARD_CRYPTO_MAC_UPDATE, shape(kH, 1, 0, Kind::mac, 0)},
    {WARD_CRYPTO_MAC_SIGN_FINISH, shape(kH, 0, 1, Kind::mac, kAnswer | kEnds)},
    {WARD_CRYPTO_MAC_VERIFY_FINISH, shape(kH, 1, 0, Kind::mac, kEnds)},
    {WARD_CRYPTO_MAC_ABORT, shape(kH, 0, 0, Kind::mac, kEnds)},
    {WARD_CRYPTO_CIPHER_ENCRYPT, shape(kKA, 1, 1, Kind::none, kAnswer)},
    {WARD_CRYPTO_CIPHER_DECRYPT, shape(kKA, 1, 1, Kind::none, kAnswer)},
    {WARD_CRYPTO_CIPHER_ENCRYPT_SETUP, shape(kKA, 0, 1, Kind::cipher, kIdOut)},
    {WARD_CRYPTO_CIPHER_DECRYPT_SETUP, shape(kKA, 0, 1, Kind::cipher, kIdOut)},
    {WARD_CRYPTO_CIPHER_GENERATE_IV, shape(kH, 0, 1, Kind::cipher, kAnswer)},
    {WARD_CRYPTO_CIPHER_SET_IV, shape(kH, 1, 0, Kind::cipher, 0)},
    {WARD_CRYPTO_CIPHER_UPDATE, shape(kH, 1, 1, Kind::cipher, kAnswer)},
    {WARD_CRYPTO_CIPHER_FINISH, shape(kH, 0, 1, Kind::cipher, kAnswer | kEnds)},
    {WARD_CRYPTO_CIPHER_ABORT, shape(kH, 0, 0, Kind::cipher, kEnds)},
    {WARD_CRYPTO_AEAD_ENCRYPT, shape(kKA, 3, 1, Kind::none, kAnswer)},
    {WARD_CRYPTO_AEAD_DECRYPT, shape(kKA, 3, 1, Kind::none, kAnswer)},
    {WARD_CRYPTO_AEAD_ENCRYPT_SETUP, shape(kKA, 0, 1, Kind::aead, kIdOut)},
    {WARD_CRYPTO_AEAD_DECRYPT_SETUP, shape(kKA, 0, 1, Kind::aead, kIdOut)},
    {WARD_CRYPTO_AEAD_GENERATE_NONCE, shape(kH, 0, 1, Kind::aead, kAnswer)},
    {WARD_CRYPTO_AEAD_SET_NONCE, shape(kH, 1, 0, Kind::aead, 0)},
    {WARD_CRYPTO_AEAD_SET_LENGTHS, shape(kH, 1, 0, Kind::aead, 0)},
    {WARD_CRYPTO_AEAD_UPDATE_AD, shape(kH, 1, 0, Kind::aead, 0)},
    {WARD_CRYPTO_AEAD_UPDATE, shape(kH, 1, 1, Kind::aead, kAnswer)},
    {WARD_CRYPTO_AEAD_FINISH, shape(kH, 0, 2, Kind::aead, kEnds)},  // two answers: written by its step
    {WARD_CRYPTO_AEAD_VERIFY, shape(kH, 1, 1, Kind::aead, kAnswer | kEnds)},
    {WARD_CRYPTO_AEAD_ABORT, shape(kH, 0, 0, Kind::aead, kEnds)},
    {WARD_CRYPTO_ASYMMETRIC_ENCRYPT, shape(kKA, 2, 1, Kind::none, kAnswer)},
    {WARD_CRYPTO_ASYMMETRIC_DECRYPT, shape(kKA, 2, 1, Kind::none, kAnswer)},
    {WARD_CRYPTO_SIGN_HASH, shape(kKA, 1, 1, Kind::none, kAnswer)},
    {WARD_CRYPTO_VERIFY_HASH, shape(kKA, 2, 0, Kind::none, 0)},
    {WARD_CRYPTO_SIGN_MESSAGE, shape(kKA, 1, 1, Kind::none, kAnswer)},
    {WARD_CRYPTO_VERIFY_MESSAGE, shape(kKA, 2, 0, Kind::none, 0)},
    // *_COMPLETE end their operation themselves: not while it is incomplete, nor on a bad budget.
    {WARD_CRYPTO_SIGN_HASH_START, shape(kKA, 1, 1, Kind::sign, kIdOut)},
    {WARD_CRYPTO_SIGN_HASH_COMPLETE, shape(kH | kCapacity, 0, 1, Kind::sign, kAnswer)},
    {WARD_CRYPTO_SIGN_HASH_NUM_OPS, shape(kH, 0, 1, Kind::sign, 0)},
    {WARD_CRYPTO_SIGN_HASH_ABORT, shape(kH, 0, 0, Kind::sign, kEnds)},
    {WARD_CRYPTO_VERIFY_HASH_START, shape(kKA, 2, 1, Kind::verify, kIdOut)},
    {WARD_CRYPTO_VERIFY_HASH_COMPLETE, shape(kH | kCapacity, 0, 0, Kind::verify, 0)},
    {WARD_CRYPTO_VERIFY_HASH_NUM_OPS, shape(kH, 0, 1, Kind::verify, 0)},
    {WARD_CRYPTO_VERIFY_HASH_ABORT, shape(kH, 0, 0, Kind::verify, kEnds)},
    {WARD_CRYPTO_RAW_KEY_AGREEMENT, shape(kKA, 1, 1, Kind::none, kAnswer)},
    {WARD_CRYPTO_KDF_SETUP, shape(kAlg, 0, 1, Kind::kdf, kIdOut)},
    {WARD_CRYPTO_KDF_INPUT_BYTES, shape(kH | kStep, 1, 0, Kind::kdf, 0)},
    {WARD_CRYPTO_KDF_INPUT_KEY, shape(kH | kStep | kKey, 0, 0, Kind::kdf, 0)},
    {WARD_CRYPTO_KDF_OUTPUT_BYTES, shape(kH, 0, 1, Kind::kdf, kAnswer)},
    {WARD_CRYPTO_KDF_OUTPUT_KEY, shape(kH, 1, 1, Kind::kdf, kIdOut)},
    {WARD_CRYPTO_KDF_ABORT, shape(kH, 0, 0, Kind::kdf, kEnds)},
    {WARD_CRYPTO_KDF_GET_CAPACITY, shape(kH, 0, 1, Kind::kdf, 0)},
    {WARD_CRYPTO_KDF_SET_CAPACITY, shape(kH | kCapacity, 0, 0, Kind::kdf, 0)},
    {WARD_CRYPTO_KDF_KEY_AGREEMENT, shape(kH | kStep | kKey, 1, 0, Kind::kdf, 0)},
    {WARD_CRYPTO_KDF_INPUT_INTEGER, shape(kH | kStep | kCapacity, 0, 0, Kind::kdf, 0)},
    {WARD_CRYPTO_KDF_VERIFY_BYTES, shape(kH, 1, 0, Kind::kdf, 0)},
    {WARD_CRYPTO_KDF_VERIFY_KEY, shape(kH | kKey, 0, 0, Kind::kdf, 0)},
    {WARD_CRYPTO_KDF_OUTPUT_KEY_CUSTOM, shape(kH, 3, 1, Kind::kdf, kIdOut)},
};

constexpr std::int32_t kLastType = WARD_CRYPTO_VERIFY_HASH_ABORT;

// Indexed by type: 2 bytes a type, 0 (not kKnown) for a number crypto_wire.h does not define.
constexpr auto kShapes = [] {
  std::array<std::uint16_t, kLastType + 1> table{};
  for (const auto& request : kRequests) {
    table[static_cast<std::size_t>(request.type)] = request.bits;
  }
  return table;
}();

constexpr bool each_type_once() {
  for (const auto& a : kRequests) {
    std::size_t seen = 0;
    for (const auto& b : kRequests) {
      seen += a.type == b.type ? 1 : 0;
    }
    if (seen != 1 || a.type <= 0 || a.type > kLastType) {
      return false;
    }
  }
  return true;
}
static_assert(each_type_once(), "every request type once, within the table");

// Without ciphers or interruptible ECC no such operation is ever started (its setup answers
// not_built), so a handle of that kind names nothing.
constexpr bool built(Kind kind) {
  return (kind != Kind::cipher || kHasCiphers) && ((kind != Kind::sign && kind != Kind::verify) || kHasInterruptible);
}

// --- Requests ------------------------------------------------------------------------------------
//
// Each request's shape is checked by serve() before it runs; a request that names an operation gets
// its slot (live, of the right kind, the caller's), a setup gets a new slot of the caller's.

psa_status_t decode_custom(Bytes wire, psa_custom_key_parameters_t* custom) {
  ward_crypto_custom w{};
  if (wire.size() != sizeof w) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  std::memcpy(&w, wire.data(), sizeof w);
  if (w.reserved != 0) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  custom->flags = w.flags;
  return PSA_SUCCESS;
}

// Ids WARD_KEY_ID_GENERATED_MIN..MAX take generated keys only (crypto_wire.h): a key whose
// material came from outside (import), or from another key or a derivation, may not sit where the
// caller trusts that its private part never left the secure world.
bool may_create_at(std::int32_t type, const psa_key_attributes_t& attributes) {
  const psa_key_id_t id = MBEDTLS_SVC_KEY_ID_GET_KEY_ID(psa_get_key_id(&attributes));
  const bool generated_only = id >= WARD_KEY_ID_GENERATED_MIN && id <= WARD_KEY_ID_GENERATED_MAX;
  return !generated_only || type == WARD_CRYPTO_GENERATE_KEY || type == WARD_CRYPTO_GENERATE_KEY_CUSTOM;
}

// Import, generate (and _custom), copy, key derivation output (and _custom): the request's custom
// parameters and attributes decoded (a copy: its source read first, whose material the copy
// holds), then create_key.
psa_status_t new_key(Request& r, std::int32_t type, Slot* slot) {
  psa_custom_key_parameters_t custom = PSA_CUSTOM_KEY_PARAMETERS_INIT;
  psa_status_t status = PSA_SUCCESS;
  if (type == WARD_CRYPTO_GENERATE_KEY_CUSTOM || type == WARD_CRYPTO_KDF_OUTPUT_KEY_CUSTOM) {
    status = decode_custom(r.in_bytes(1), &custom);
    if (status != PSA_SUCCESS) {
      return status;
    }
  }
  std::size_t material = 0;
  if (type == WARD_CRYPTO_COPY_KEY) {
    psa_key_attributes_t source = psa_key_attributes_init();
    status = psa_get_key_attributes(r.key(), &source);
    material = generated_material(source);
    psa_reset_key_attributes(&source);
    if (status != PSA_SUCCESS) {
      return status;
    }
  }
  psa_key_attributes_t attributes;
  status = decode_attributes(r.caller(), r.in_bytes(0), &attributes);
  if (status != PSA_SUCCESS) {
    return status;
  }
  if (!may_create_at(type, attributes)) {
    psa_reset_key_attributes(&attributes);
    return PSA_ERROR_NOT_PERMITTED;
  }
  if (type == WARD_CRYPTO_IMPORT_KEY) {
    material = r.in_size(1);
  } else if (type != WARD_CRYPTO_COPY_KEY) {
    // Refused before Mbed TLS runs: a derived key over the quota takes nothing of the capacity.
    material = generated_material(attributes);
  }
  return create_key(r, &attributes, material,
                    [&r, type, slot, &custom](const psa_key_attributes_t* a, mbedtls_svc_key_id_t* key) {
                      switch (type) {
                        case WARD_CRYPTO_IMPORT_KEY:
                          return psa_import_key(a, r.in(1), r.in_size(1), key);
                        case WARD_CRYPTO_GENERATE_KEY:
                          return psa_generate_key(a, key);
                        case WARD_CRYPTO_GENERATE_KEY_CUSTOM:
                          return psa_generate_key_custom(a, &custom, r.in(2), r.in_size(2), key);
                        case WARD_CRYPTO_COPY_KEY:
                          return psa_copy_key(r.key(), a, key);
                        case WARD_CRYPTO_KDF_OUTPUT_KEY:
                          return psa_key_derivation_output_key(a, &slot->kdf, key);
                        default:  // WARD_CRYPTO_KDF_OUTPUT_KEY_CUSTOM
                          return psa_key_derivation_output_key_custom(a, &slot->kdf, &custom, r.in(2), r.in_size(2),
                                                                      key);
                      }
                    });
}

psa_status_t get_attributes(Request& r) {
  psa_key_attributes_t attributes = psa_key_attributes_init();
  psa_status_t status = psa_get_key_attributes(r.key(), &attributes);
  if (status == PSA_SUCCESS) {
    status = r.put(0, encode_attributes(attributes));
  }
  psa_reset_key_attributes(&attributes);
  return status;
}

// The clone is a new operation of the caller's, counted against its account like any other.
psa_status_t hash_clone(Request& r, const Slot& source) {
  std::size_t index = 0;
  psa_status_t status = allocate(r.caller(), r.account(), Kind::hash, &index);
  if (status != PSA_SUCCESS) {
    return status;
  }
  status = psa_hash_clone(&source.hash, &g_slots[index].hash);
  if (status != PSA_SUCCESS) {
    release(g_slots[index]);
    return status;
  }
  return r.put(0, handle_of(index));
}

psa_status_t aead_set_lengths(Request& r, psa_aead_operation_t* op) {
  ward_crypto_aead_lengths lengths{};
  if (r.in_size(0) != sizeof lengths) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  std::memcpy(&lengths, r.in(0), sizeof lengths);
  if (lengths.ad > SIZE_MAX || lengths.plaintext > SIZE_MAX) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  return psa_aead_set_lengths(op, static_cast<std::size_t>(lengths.ad), static_cast<std::size_t>(lengths.plaintext));
}

psa_status_t aead_finish(Request& r, psa_aead_operation_t* op) {
  std::size_t length = 0;
  std::size_t tag_length = 0;
  const psa_status_t status =
      psa_aead_finish(op, r.out(0), r.out_size(0), &length, r.out(1), r.out_size(1), &tag_length);
  if (status == PSA_SUCCESS) {
    r.wrote(0, length);
    r.wrote(1, tag_length);
  }
  return status;
}

// A *_COMPLETE: Mbed TLS keeps the interruptible operations' budget in one global; each client
// sends its own with every *_COMPLETE, so one client's setting never changes another's. The
// operation ends unless the budget is refused or it is still incomplete.
psa_status_t interruptible_complete(Request& r, std::int32_t type, Slot& slot, std::size_t* length) {
  if constexpr (!kHasInterruptible) {
    (void)r;
    (void)type;
    (void)slot;
    (void)length;
    return PSA_ERROR_BAD_STATE;  // never reached: no such operation was started (built())
  } else {
    if (r.args().capacity > UINT32_MAX) {
      return PSA_ERROR_INVALID_ARGUMENT;
    }
    psa_interruptible_set_max_ops(static_cast<std::uint32_t>(r.args().capacity));
    const psa_status_t status = type == WARD_CRYPTO_SIGN_HASH_COMPLETE
                                    ? psa_sign_hash_complete(&slot.sign, r.out(0), r.out_size(0), length)
                                    : psa_verify_hash_complete(&slot.verify);
    if (status != PSA_OPERATION_INCOMPLETE) {
      release(slot);
    }
    return status;
  }
}

psa_status_t interruptible_num_ops(Request& r, std::int32_t type, Slot& slot) {
  if constexpr (!kHasInterruptible) {
    (void)r;
    (void)type;
    (void)slot;
    return PSA_ERROR_BAD_STATE;  // never reached (built())
  } else {
    return r.put(0, type == WARD_CRYPTO_SIGN_HASH_NUM_OPS ? psa_sign_hash_get_num_ops(&slot.sign)
                                                          : psa_verify_hash_get_num_ops(&slot.verify));
  }
}

// psa_key_derivation_verify_bytes, which Mbed TLS 3.6 declares but does not implement: the next
// `length` bytes of output compared with `expected` in constant time, in small pieces so no
// secret output is kept, each piece wiped. As the PSA API says: the output is consumed either way;
// a mismatch is PSA_ERROR_INVALID_SIGNATURE.
psa_status_t verify_bytes(psa_key_derivation_operation_t* op, const std::uint8_t* expected, std::size_t length) {
  std::uint8_t piece[32];
  std::uint8_t difference = 0;
  psa_status_t status = PSA_SUCCESS;
  for (std::size_t done = 0; done < length && status == PSA_SUCCESS;) {
    const std::size_t n = length - done < sizeof piece ? length - done : sizeof piece;
    status = psa_key_derivation_output_bytes(op, piece, n);
    for (std::size_t i = 0; i < n && status == PSA_SUCCESS; ++i) {
      difference = static_cast<std::uint8_t>(difference | (piece[i] ^ expected[done + i]));
    }
    done += n;
  }
  mbedtls_platform_zeroize(piece, sizeof piece);
  if (status != PSA_SUCCESS) {
    return status;
  }
  return difference == 0 ? PSA_SUCCESS : PSA_ERROR_INVALID_SIGNATURE;
}

// Multi-part ciphers: only compiled with a cipher the configuration builds.
psa_status_t cipher(Request& r, std::int32_t type, Slot* slot, std::size_t* length) {
  if constexpr (!kHasCiphers) {
    (void)slot;
    (void)length;
    // One-shot and setups: answered as Mbed TLS answers an algorithm it lacks; a step names no
    // operation (built()).
    return type <= WARD_CRYPTO_CIPHER_DECRYPT_SETUP ? not_built(PSA_ALG_IS_CIPHER(r.args().alg))
                                                    : PSA_ERROR_BAD_STATE;
  } else {
    const auto& a = r.args();
    switch (type) {
      case WARD_CRYPTO_CIPHER_ENCRYPT:
        return psa_cipher_encrypt(r.key(), a.alg, r.in(0), r.in_size(0), r.out(0), r.out_size(0), length);
      case WARD_CRYPTO_CIPHER_DECRYPT:
        return psa_cipher_decrypt(r.key(), a.alg, r.in(0), r.in_size(0), r.out(0), r.out_size(0), length);
      case WARD_CRYPTO_CIPHER_ENCRYPT_SETUP:
        return psa_cipher_encrypt_setup(&slot->cipher, r.key(), a.alg);
      case WARD_CRYPTO_CIPHER_DECRYPT_SETUP:
        return psa_cipher_decrypt_setup(&slot->cipher, r.key(), a.alg);
      case WARD_CRYPTO_CIPHER_GENERATE_IV:
        return psa_cipher_generate_iv(&slot->cipher, r.out(0), r.out_size(0), length);
      case WARD_CRYPTO_CIPHER_SET_IV:
        return psa_cipher_set_iv(&slot->cipher, r.in(0), r.in_size(0));
      case WARD_CRYPTO_CIPHER_UPDATE:
        return psa_cipher_update(&slot->cipher, r.in(0), r.in_size(0), r.out(0), r.out_size(0), length);
      case WARD_CRYPTO_CIPHER_FINISH:
        return psa_cipher_finish(&slot->cipher, r.out(0), r.out_size(0), length);
      default:  // WARD_CRYPTO_CIPHER_ABORT: serve() ends the operation
        return PSA_SUCCESS;
    }
  }
}

psa_status_t asymmetric(Request& r, std::int32_t type, std::size_t* length) {
  if constexpr (!kHasAsymmetricEncryption) {
    (void)type;
    (void)length;
    return not_built(PSA_ALG_IS_ASYMMETRIC_ENCRYPTION(r.args().alg));
  } else {
    return type == WARD_CRYPTO_ASYMMETRIC_DECRYPT
               ? psa_asymmetric_decrypt(r.key(), r.args().alg, r.in(0), r.in_size(0), r.in(1), r.in_size(1), r.out(0),
                                        r.out_size(0), length)
               : psa_asymmetric_encrypt(r.key(), r.args().alg, r.in(0), r.in_size(0), r.in(1), r.in_size(1), r.out(0),
                                        r.out_size(0), length);
  }
}

// Interruptible starts: answered as Mbed TLS answers an algorithm it lacks without restartable ECC.
psa_status_t interruptible_start(Request& r, std::int32_t type, Slot& slot) {
  if constexpr (!kHasInterruptible) {
    (void)type;
    (void)slot;
    return not_built(PSA_ALG_IS_SIGN_HASH(r.args().alg));
  } else {
    return type == WARD_CRYPTO_SIGN_HASH_START
               ? psa_sign_hash_start(&slot.sign, r.key(), r.args().alg, r.in(0), r.in_size(0))
               : psa_verify_hash_start(&slot.verify, r.key(), r.args().alg, r.in(0), r.in_size(0), r.in(1),
                                       r.in_size(1));
  }
}

psa_status_t kdf(Request& r, std::int32_t type, Slot& slot, std::size_t* length) {
  psa_key_derivation_operation_t* op = &slot.kdf;
  const auto& a = r.args();
  switch (type) {
    case WARD_CRYPTO_KDF_SETUP:
      return psa_key_derivation_setup(op, a.alg);
    case WARD_CRYPTO_KDF_INPUT_BYTES:
      return psa_key_derivation_input_bytes(op, a.step, r.in(0), r.in_size(0));
    case WARD_CRYPTO_KDF_INPUT_KEY:
      return psa_key_derivation_input_key(op, a.step, r.key());
    case WARD_CRYPTO_KDF_OUTPUT_BYTES:
      *length = r.out_size(0);
      return psa_key_derivation_output_bytes(op, r.out(0), r.out_size(0));
    case WARD_CRYPTO_KDF_KEY_AGREEMENT:
      return psa_key_derivation_key_agreement(op, a.step, r.key(), r.in(0), r.in_size(0));
    case WARD_CRYPTO_KDF_INPUT_INTEGER:
      return psa_key_derivation_input_integer(op, a.step, a.capacity);
    case WARD_CRYPTO_KDF_VERIFY_BYTES:
      return verify_bytes(op, r.in(0), r.in_size(0));
    case WARD_CRYPTO_KDF_VERIFY_KEY:
      // Mbed TLS 3.6 declares psa_key_derivation_verify_key but does not implement it, and the
      // service has no way to compare a key's material without its EXPORT usage.
      return PSA_ERROR_NOT_SUPPORTED;
    case WARD_CRYPTO_KDF_GET_CAPACITY: {
      std::size_t capacity = 0;
      const psa_status_t status = psa_key_derivation_get_capacity(op, &capacity);
      return status != PSA_SUCCESS ? status : r.put(0, static_cast<std::uint64_t>(capacity));
    }
    case WARD_CRYPTO_KDF_SET_CAPACITY:
      if (a.capacity > SIZE_MAX) {
        return PSA_ERROR_INVALID_ARGUMENT;
      }
      return psa_key_derivation_set_capacity(op, static_cast<std::size_t>(a.capacity));
    default:  // WARD_CRYPTO_KDF_ABORT: serve() ends the operation
      return PSA_SUCCESS;
  }
}

// One request whose shape serve() checked; `slot` is the operation it names or the new one it sets
// up (else null); `length` is what a kAnswer request reports.
psa_status_t run(Request& r, std::int32_t type, Slot* slot, std::size_t* length) {
  const auto& a = r.args();
  switch (type) {
    case WARD_CRYPTO_INIT: {
      const psa_status_t seeded = platform_init();
      return seeded != PSA_SUCCESS ? seeded : psa_crypto_init();
    }
    case WARD_CRYPTO_GENERATE_RANDOM:
      *length = r.out_size(0);
      return psa_generate_random(r.out(0), r.out_size(0));
    case WARD_CRYPTO_IMPORT_KEY:
    case WARD_CRYPTO_GENERATE_KEY:
    case WARD_CRYPTO_GENERATE_KEY_CUSTOM:
    case WARD_CRYPTO_COPY_KEY:
    case WARD_CRYPTO_KDF_OUTPUT_KEY:
    case WARD_CRYPTO_KDF_OUTPUT_KEY_CUSTOM:
      return new_key(r, type, slot);
    case WARD_CRYPTO_EXPORT_KEY:
      return psa_export_key(r.key(), r.out(0), r.out_size(0), length);
    case WARD_CRYPTO_EXPORT_PUBLIC_KEY:
      return psa_export_public_key(r.key(), r.out(0), r.out_size(0), length);
    case WARD_CRYPTO_DESTROY_KEY: {
      const psa_status_t status = psa_destroy_key(r.key());
      if (status == PSA_SUCCESS) {
        keys::destroyed(r.caller(), a.key);
      }
      return status;
    }
    case WARD_CRYPTO_PURGE_KEY:
      return psa_purge_key(r.key());
    case WARD_CRYPTO_GET_KEY_ATTRIBUTES:
      return get_attributes(r);
    case WARD_CRYPTO_HASH_COMPUTE:
      return psa_hash_compute(a.alg, r.in(0), r.in_size(0), r.out(0), r.out_size(0), length);
    case WARD_CRYPTO_HASH_COMPARE:
      return psa_hash_compare(a.alg, r.in(0), r.in_size(0), r.in(1), r.in_size(1));
    case WARD_CRYPTO_HASH_SETUP:
      return psa_hash_setup(&slot->hash, a.alg);
    case WARD_CRYPTO_HASH_UPDATE:
      // On an error Mbed TLS aborts the operation itself; the slot stays the caller's until it
      // calls abort (as the PSA API requires), so its handle does not silently become reusable.
      return psa_hash_update(&slot->hash, r.in(0), r.in_size(0));
    case WARD_CRYPTO_HASH_FINISH:
      return psa_hash_finish(&slot->hash, r.out(0), r.out_size(0), length);
    case WARD_CRYPTO_HASH_VERIFY:
      return psa_hash_verify(&slot->hash, r.in(0), r.in_size(0));
    case WARD_CRYPTO_HASH_CLONE:
      return hash_clone(r, *slot);
    case WARD_CRYPTO_MAC_COMPUTE:
      return psa_mac_compute(r.key(), a.alg, r.in(0), r.in_size(0), r.out(0), r.out_size(0), length);
    case WARD_CRYPTO_MAC_VERIFY:
      return psa_mac_verify(r.key(), a.alg, r.in(0), r.in_size(0), r.in(1), r.in_size(1));
    case WARD_CRYPTO_MAC_SIGN_SETUP:
      return psa_mac_sign_setup(&slot->mac, r.key(), a.alg);
    case WARD_CRYPTO_MAC_VERIFY_SETUP:
      return psa_mac_verify_setup(&slot->mac, r.key(), a.alg);
    case WARD_CRYPTO_MAC_UPDATE:
      return psa_mac_update(&slot->mac, r.in(0), r.in_size(0));
    case WARD_CRYPTO_MAC_SIGN_FINISH:
      return psa_mac_sign_finish(&slot->mac, r.out(0), r.out_size(0), length);
    case WARD_CRYPTO_MAC_VERIFY_FINISH:
      return psa_mac_verify_finish(&slot->mac, r.in(0), r.in_size(0));
    case WARD_CRYPTO_CIPHER_ENCRYPT:
    case WARD_CRYPTO_CIPHER_DECRYPT:
    case WARD_CRYPTO_CIPHER_ENCRYPT_SETUP:
    case WARD_CRYPTO_CIPHER_DECRYPT_SETUP:
    case WARD_CRYPTO_CIPHER_GENERATE_IV:
    case WARD_CRYPTO_CIPHER_SET_IV:
    case WARD_CRYPTO_CIPHER_UPDATE:
    case WARD_CRYPTO_CIPHER_FINISH:
      return cipher(r, type, slot, length);
    case WARD_CRYPTO_AEAD_ENCRYPT:
      return psa_aead_encrypt(r.key(), a.alg, r.in(0), r.in_size(0), r.in(1), r.in_size(1), r.in(2), r.in_size(2),
                              r.out(0), r.out_size(0), length);
    case WARD_CRYPTO_AEAD_DECRYPT:
      return psa_aead_decrypt(r.key(), a.alg, r.in(0), r.in_size(0), r.in(1), r.in_size(1), r.in(2), r.in_size(2),
                              r.out(0), r.out_size(0), length);
    case WARD_CRYPTO_AEAD_ENCRYPT_SETUP:
      return psa_aead_encrypt_setup(&slot->aead, r.key(), a.alg);
    case WARD_CRYPTO_AEAD_DECRYPT_SETUP:
      return psa_aead_decrypt_setup(&slot->aead, r.key(), a.alg);
    case WARD_CRYPTO_AEAD_GENERATE_NONCE:
      return psa_aead_generate_nonce(&slot->aead, r.out(0), r.out_size(0), length);
    case WARD_CRYPTO_AEAD_SET_NONCE:
      return psa_aead_set_nonce(&slot->aead, r.in(0), r.in_size(0));
    case WARD_CRYPTO_AEAD_SET_LENGTHS:
      return aead_set_lengths(r, &slot->aead);
    case WARD_CRYPTO_AEAD_UPDATE_AD:
      return psa_aead_update_ad(&slot->aead, r.in(0), r.in_size(0));
    case WARD_CRYPTO_AEAD_UPDATE:
      return psa_aead_update(&slot->aead, r.in(0), r.in_size(0), r.out(0), r.out_size(0), length);
    case WARD_CRYPTO_AEAD_FINISH:
      return aead_finish(r, &slot->aead);
    case WARD_CRYPTO_AEAD_VERIFY:
      return psa_aead_verify(&slot->aead, r.out(0), r.out_size(0), length, r.in(0), r.in_size(0));
    case WARD_CRYPTO_ASYMMETRIC_ENCRYPT:
    case WARD_CRYPTO_ASYMMETRIC_DECRYPT:
      return asymmetric(r, type, length);
    case WARD_CRYPTO_SIGN_HASH:
      return psa_sign_hash(r.key(), a.alg, r.in(0), r.in_size(0), r.out(0), r.out_size(0), length);
    case WARD_CRYPTO_VERIFY_HASH:
      return psa_verify_hash(r.key(), a.alg, r.in(0), r.in_size(0), r.in(1), r.in_size(1));
    case WARD_CRYPTO_SIGN_MESSAGE:
      return psa_sign_message(r.key(), a.alg, r.in(0), r.in_size(0), r.out(0), r.out_size(0), length);
    case WARD_CRYPTO_VERIFY_MESSAGE:
      return psa_verify_message(r.key(), a.alg, r.in(0), r.in_size(0), r.in(1), r.in_size(1));
    case WARD_CRYPTO_SIGN_HASH_START:
    case WARD_CRYPTO_VERIFY_HASH_START:
      return interruptible_start(r, type, *slot);
    case WARD_CRYPTO_SIGN_HASH_COMPLETE:
    case WARD_CRYPTO_VERIFY_HASH_COMPLETE:
      return interruptible_complete(r, type, *slot, length);
    case WARD_CRYPTO_SIGN_HASH_NUM_OPS:
    case WARD_CRYPTO_VERIFY_HASH_NUM_OPS:
      return interruptible_num_ops(r, type, *slot);
    case WARD_CRYPTO_RAW_KEY_AGREEMENT:
      return psa_raw_key_agreement(a.alg, r.key(), r.in(0), r.in_size(0), r.out(0), r.out_size(0), length);
    case WARD_CRYPTO_KDF_SETUP:
    case WARD_CRYPTO_KDF_INPUT_BYTES:
    case WARD_CRYPTO_KDF_INPUT_KEY:
    case WARD_CRYPTO_KDF_OUTPUT_BYTES:
    case WARD_CRYPTO_KDF_GET_CAPACITY:
    case WARD_CRYPTO_KDF_SET_CAPACITY:
    case WARD_CRYPTO_KDF_KEY_AGREEMENT:
    case WARD_CRYPTO_KDF_INPUT_INTEGER:
    case WARD_CRYPTO_KDF_VERIFY_BYTES:
    case WARD_CRYPTO_KDF_VERIFY_KEY:
      return kdf(r, type, *slot, length);
    default:  // the aborts: serve() ends the operation
      return PSA_SUCCESS;
  }
}

// One request: its shape checked (kShapes), its operation found or a new one set up, run, its
// answer's length reported, its operation ended if it ends it.
psa_status_t serve(ClientId caller, ClientId account, std::int32_t type, InVecs in, OutVecs out,
                   std::span<std::size_t> out_written) {
  if (type <= 0 || type > kLastType) {
    return PSA_ERROR_NOT_SUPPORTED;
  }
  const unsigned bits = kShapes[static_cast<std::size_t>(type)];
  if ((bits & kKnown) == 0) {
    return PSA_ERROR_NOT_SUPPORTED;
  }
  const unsigned fields = bits & 0x1fu;
  const auto kind = static_cast<Kind>((bits >> 9) & 7u);
  Request r(caller, account, in, out, out_written);
  psa_status_t status = r.expect(fields, (bits >> 5) & 3u, (bits >> 7) & 3u);
  if (status != PSA_SUCCESS) {
    return status;
  }
  Slot* slot = nullptr;
  if ((fields & kHandle) != 0) {
    slot = find(caller, r.args().handle, kind);
    if (slot == nullptr || !built(kind)) {
      return PSA_ERROR_BAD_STATE;
    }
  }
  if ((bits & kIdOut) != 0 && r.out_size(0) != sizeof(std::uint32_t)) {
    return PSA_ERROR_INVALID_ARGUMENT;  // checked first: never create a key or start an operation we cannot report
  }
  std::size_t length = 0;
  if (kind != Kind::none && slot == nullptr) {  // a setup: a new operation in a slot of the caller's
    std::size_t index = 0;
    status = allocate(caller, account, kind, &index);
    if (status != PSA_SUCCESS) {
      return status;
    }
    status = run(r, type, &g_slots[index], &length);
    if (status != PSA_SUCCESS) {
      release(g_slots[index]);
      return status;
    }
    return r.put(0, handle_of(index));
  }
  status = run(r, type, slot, &length);
  if ((bits & kAnswer) != 0 && status == PSA_SUCCESS) {
    r.wrote(0, length);
  }
  // finish, verify and abort end the operation whatever the outcome (Mbed TLS aborts it too); the
  // client library forgets its handle after them.
  if ((bits & kEnds) != 0) {
    release(*slot);
  }
  return status;
}

}  // namespace

psa_status_t handle(ClientId caller, ClientId account, std::int32_t type, InVecs in, OutVecs out,
                    std::span<std::size_t> out_written) {
  (void)take_storage_refusal();
  const psa_status_t status = serve(caller, account, type, in, out, out_written);
  // A persistent key the key store had no room for (the caller's ITS quota, secure/storage): Mbed
  // TLS says PSA_ERROR_DATA_INVALID for any failed write; the PSA code for this is
  // PSA_ERROR_INSUFFICIENT_STORAGE.
  return take_storage_refusal() && status == PSA_ERROR_DATA_INVALID ? PSA_ERROR_INSUFFICIENT_STORAGE : status;
}

void release_client(ClientId client) {
  // Operations first: a hash or derivation in progress may hold one of the keys. Only the client's
  // own: what the kernel set up for it (Slot::account) is the kernel's, which frees it (the thread's
  // sockets are closed before its number can be used again: kernel/src/socket.cpp).
  for (auto& slot : g_slots) {
    if (slot.kind != Kind::none && slot.owner == client) {
      release(slot);
    }
  }
  // Then its volatile keys, and with them its quota.
  keys::release(client);
}

void shutdown() {
  for (auto& slot : g_slots) {
    if (slot.kind != Kind::none) {
      release(slot);
    }
  }
  mbedtls_psa_crypto_free();
  platform_shutdown();
  keys::clear();
}

std::size_t operations_held(ClientId client) { return held_by(client); }

std::size_t operations_in_use() {
  std::size_t n = 0;
  for (const auto& slot : g_slots) {
    n += slot.kind != Kind::none ? 1 : 0;
  }
  return n;
}

std::size_t volatile_keys_held(ClientId client) { return keys::held(client); }
std::size_t volatile_keys_in_use() { return keys::in_use(); }
bool key_record_consistent() { return keys::consistent(); }

}  // namespace ward::secure::crypto
