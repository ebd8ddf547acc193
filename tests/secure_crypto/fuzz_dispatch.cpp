// libFuzzer target over the secure-call boundary and the services behind it: whole calls (caller,
// service, type, every vector's length, bytes and capacity, null arrays and bases, lengths that
// lie, and which ranges the memory policy refuses) go through ward::secure::boundary::serve, the
// code the NSC veneer and the host transport run, into ward::secure::dispatch. Each vector is its
// own exactly sized heap block, so any read or write past it is an AddressSanitizer error; output
// blocks start as a canary, so a byte written past what the service reported shows.
//
// Input: [caller][service][type][counts][array flags], then per input vector [len lo][len hi]
// [mode][bytes...], then per output vector [cap lo][cap hi][mode]. `type` below the number of known
// request types picks one of them, so most inputs reach a real handler; counts go up to 5 to
// exercise the count check. Array flags: 1 refuse the input array, 2 the output array, 4 a null
// input array, 8 a null output array. Vector mode: 1 a null base, 2 (inputs) a length that lies
// (larger than the limit, or near SIZE_MAX), 4 refused by the policy. After every call, the key
// quotas (ward/secure/crypto/service.hpp) must hold for both callers the fuzzer plays.
#include <ward/secure/call.h>
#include <ward/secure/crypto_wire.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <set>
#include <vector>

#include "ward/secure/boundary/call.hpp"
#include "ward/secure/crypto/memory_key_store.hpp"
#include "ward/secure/crypto/service.hpp"
#include "ward/secure/dispatch.hpp"

namespace {

using ward::secure::ClientId;

constexpr std::int32_t kTypes[] = {
    WARD_CRYPTO_INIT, WARD_CRYPTO_GENERATE_RANDOM, WARD_CRYPTO_IMPORT_KEY, WARD_CRYPTO_GENERATE_KEY,
    WARD_CRYPTO_EXPORT_KEY, WARD_CRYPTO_EXPORT_PUBLIC_KEY, WARD_CRYPTO_DESTROY_KEY, WARD_CRYPTO_PURGE_KEY,
    WARD_CRYPTO_GET_KEY_ATTRIBUTES, WARD_CRYPTO_HASH_COMPUTE, WARD_CRYPTO_HASH_COMPARE, WARD_CRYPTO_HASH_SETUP,
    WARD_CRYPTO_HASH_UPDATE, WARD_CRYPTO_HASH_FINISH, WARD_CRYPTO_HASH_VERIFY, WARD_CRYPTO_HASH_ABORT,
    WARD_CRYPTO_MAC_COMPUTE, WARD_CRYPTO_MAC_VERIFY, WARD_CRYPTO_AEAD_ENCRYPT, WARD_CRYPTO_AEAD_DECRYPT,
    WARD_CRYPTO_SIGN_HASH, WARD_CRYPTO_VERIFY_HASH, WARD_CRYPTO_SIGN_MESSAGE, WARD_CRYPTO_VERIFY_MESSAGE,
    WARD_CRYPTO_RAW_KEY_AGREEMENT, WARD_CRYPTO_KDF_SETUP, WARD_CRYPTO_KDF_INPUT_BYTES, WARD_CRYPTO_KDF_INPUT_KEY,
    WARD_CRYPTO_KDF_OUTPUT_BYTES, WARD_CRYPTO_KDF_OUTPUT_KEY, WARD_CRYPTO_KDF_ABORT, WARD_CRYPTO_KDF_GET_CAPACITY,
    WARD_CRYPTO_KDF_SET_CAPACITY,
    WARD_CRYPTO_COPY_KEY, WARD_CRYPTO_GENERATE_KEY_CUSTOM, WARD_CRYPTO_HASH_CLONE, WARD_CRYPTO_MAC_SIGN_SETUP,
    WARD_CRYPTO_MAC_VERIFY_SETUP, WARD_CRYPTO_MAC_UPDATE, WARD_CRYPTO_MAC_SIGN_FINISH, WARD_CRYPTO_MAC_VERIFY_FINISH,
    WARD_CRYPTO_MAC_ABORT, WARD_CRYPTO_ASYMMETRIC_ENCRYPT, WARD_CRYPTO_ASYMMETRIC_DECRYPT,
    WARD_CRYPTO_KDF_KEY_AGREEMENT, WARD_CRYPTO_KDF_INPUT_INTEGER, WARD_CRYPTO_KDF_VERIFY_BYTES,
    WARD_CRYPTO_KDF_VERIFY_KEY, WARD_CRYPTO_KDF_OUTPUT_KEY_CUSTOM, WARD_CRYPTO_CIPHER_ENCRYPT,
    WARD_CRYPTO_CIPHER_DECRYPT, WARD_CRYPTO_CIPHER_ENCRYPT_SETUP, WARD_CRYPTO_CIPHER_DECRYPT_SETUP,
    WARD_CRYPTO_CIPHER_GENERATE_IV, WARD_CRYPTO_CIPHER_SET_IV, WARD_CRYPTO_CIPHER_UPDATE, WARD_CRYPTO_CIPHER_FINISH,
    WARD_CRYPTO_CIPHER_ABORT, WARD_CRYPTO_AEAD_ENCRYPT_SETUP, WARD_CRYPTO_AEAD_DECRYPT_SETUP,
    WARD_CRYPTO_AEAD_GENERATE_NONCE, WARD_CRYPTO_AEAD_SET_NONCE, WARD_CRYPTO_AEAD_SET_LENGTHS,
    WARD_CRYPTO_AEAD_UPDATE_AD, WARD_CRYPTO_AEAD_UPDATE, WARD_CRYPTO_AEAD_FINISH, WARD_CRYPTO_AEAD_VERIFY,
    WARD_CRYPTO_AEAD_ABORT, WARD_CRYPTO_SIGN_HASH_START, WARD_CRYPTO_SIGN_HASH_COMPLETE,
    WARD_CRYPTO_SIGN_HASH_NUM_OPS, WARD_CRYPTO_SIGN_HASH_ABORT, WARD_CRYPTO_VERIFY_HASH_START,
    WARD_CRYPTO_VERIFY_HASH_COMPLETE, WARD_CRYPTO_VERIFY_HASH_NUM_OPS, WARD_CRYPTO_VERIFY_HASH_ABORT,
};
constexpr std::size_t kTypeCount = sizeof kTypes / sizeof kTypes[0];

ward::secure::crypto::MemoryKeyStore g_store;
unsigned g_runs = 0;

void boot() {
  ward::secure::crypto::shutdown();
  g_store.clear();
  ward::secure::crypto::set_key_store(&g_store);
  const ward_crypto_args zero{};
  const std::span<const std::byte> in[1] = {{reinterpret_cast<const std::byte*>(&zero), sizeof zero}};
  if (ward::secure::dispatch(ward::secure::nonsecure_client(1), WARD_SERVICE_CRYPTO, WARD_CRYPTO_INIT, in, {}, {}) !=
      PSA_SUCCESS) {
    __builtin_trap();
  }
}

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::size_t u16() { return byte() | static_cast<std::size_t>(byte()) << 8; }
  std::size_t left() const { return size_ - pos_; }
  const std::uint8_t* take(std::size_t n) {
    const std::uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  boot();
  return 0;
}

namespace {

// TrustedMemory (the host transport's policy) that also refuses the ranges the input names.
struct FuzzPolicy {
  const std::set<const void*>* refused;
  const void* readable(const void* p, std::size_t) const { return refused->count(p) != 0 ? nullptr : p; }
  void* writable(void* p, std::size_t) const { return refused->count(p) != 0 ? nullptr : p; }
};

constexpr std::byte kCanary{0xc5};
ward::secure::boundary::Buffers g_buffers;

bool all_zero(const ward::secure::boundary::Buffers& b) {
  const auto zero = [](std::byte x) { return x == std::byte{0}; };
  return std::all_of(b.in.begin(), b.in.end(), zero) && std::all_of(b.out.begin(), b.out.end(), zero);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ward::secure;
  // A fresh secure side now and then, so that state (keys, operations) stays bounded and runs
  // stay reproducible from a short history.
  if (++g_runs % 256 == 0) {
    boot();
  }
  Reader r(data, size);
  const ClientId caller = (r.byte() & 1) != 0 ? nonsecure_client(2) : nonsecure_client(1);
  const std::uint32_t service = r.byte() % 4;
  const std::uint8_t type_byte = r.byte();
  const std::int32_t type = type_byte < kTypeCount ? kTypes[type_byte] : static_cast<std::int8_t>(type_byte);
  const std::uint8_t counts = r.byte();
  const std::uint8_t array_flags = r.byte();
  const std::size_t in_count = (counts >> 4) % 6;
  const std::size_t out_count = (counts & 0xf) % 6;

  std::vector<std::unique_ptr<std::byte[]>> blocks;
  std::vector<psa_invec> in(in_count + 1);  // never empty, so that data() is a real array
  std::vector<psa_outvec> out(out_count + 1);
  std::vector<std::size_t> out_sizes(out_count);  // the real size of each output block
  std::set<const void*> refused;
  bool honest = (array_flags & 0xf) == 0;
  std::size_t in_total = 0;
  for (std::size_t i = 0; i < in_count; ++i) {
    std::size_t n = r.u16();
    const std::uint8_t mode = r.byte();
    n = std::min(n, r.left());
    blocks.emplace_back(new std::byte[n == 0 ? 1 : n]);
    if (n != 0) std::memcpy(blocks.back().get(), r.take(n), n);
    in[i] = {blocks.back().get(), n};
    in_total += n;
    if ((mode & 1) != 0) in[i].base = nullptr;
    if ((mode & 2) != 0) in[i].len = (mode & 8) != 0 ? SIZE_MAX - n : boundary::kMaxIn + 1 + n;
    if ((mode & 4) != 0) refused.insert(in[i].base);
    honest = honest && (mode & 7) == 0;
  }
  for (std::size_t i = 0; i < out_count; ++i) {
    const std::size_t n = r.u16() % 8193;
    const std::uint8_t mode = r.byte();
    blocks.emplace_back(new std::byte[n == 0 ? 1 : n]);
    std::fill_n(blocks.back().get(), n == 0 ? 1 : n, kCanary);
    out[i] = {blocks.back().get(), n};
    out_sizes[i] = n;
    if ((mode & 1) != 0) out[i].base = nullptr;
    if ((mode & 4) != 0) refused.insert(out[i].base);
    honest = honest && (mode & 5) == 0;
  }
  if ((array_flags & 1) != 0) refused.insert(in.data());
  if ((array_flags & 2) != 0) refused.insert(out.data());
  const boundary::Request request{(array_flags & 4) != 0 ? nullptr : in.data(), in_count,
                                  (array_flags & 8) != 0 ? nullptr : out.data(), out_count};
  const std::vector<psa_outvec> declared(out.begin(), out.end());

  int served = 0;
  const auto result = boundary::serve(
      request, FuzzPolicy{&refused}, g_buffers,
      [&](std::span<const std::span<const std::byte>> vin, std::span<const std::span<std::byte>> vout,
          std::span<std::size_t> written) {
        ++served;
        return dispatch(caller, service, type, vin, vout, written);
      });

  if (!all_zero(g_buffers)) {
    __builtin_trap();  // the callee's buffers were not wiped
  }
  if (!result) {
    // Refused: nothing ran, nothing was written, and for the right reason.
    const bool too_many = in_count > boundary::kMaxVectors || out_count > boundary::kMaxVectors;
    if (served != 0 || (too_many && result.error() != boundary::Refusal::too_many_vectors) ||
        (!too_many && honest && in_total <= boundary::kMaxIn)) {
      __builtin_trap();
    }
    for (std::size_t i = 0; i < out_count; ++i) {
      if (out[i].len != declared[i].len ||
          std::count(blocks[in_count + i].get(), blocks[in_count + i].get() + out_sizes[i], kCanary) !=
              static_cast<std::ptrdiff_t>(out_sizes[i])) {
        __builtin_trap();
      }
    }
    return 0;
  }
  // A service that reports more than it was given is answered with CORRUPTION_DETECTED by the
  // boundary; for the fuzzer it is a bug in the service (Mbed TLS never says so on its own here).
  if (served != 1 || *result == PSA_ERROR_CORRUPTION_DETECTED) {
    __builtin_trap();
  }
  for (std::size_t i = 0; i < out_count; ++i) {
    // Never more than the vector holds, nothing past what was reported, and no output on an error.
    const std::size_t n = out[i].len;
    const std::byte* block = blocks[in_count + i].get();
    if (n > out_sizes[i] || n > boundary::kMaxOut ||
        std::count(block + n, block + out_sizes[i], kCanary) != static_cast<std::ptrdiff_t>(out_sizes[i] - n) ||
        (*result != PSA_SUCCESS && n != 0 && type != WARD_CRYPTO_GENERATE_RANDOM)) {
      __builtin_trap();
    }
  }
  // No client holds more operations than its limit, whatever it sent.
  if (crypto::operations_in_use() > crypto::kOperationSlots ||
      crypto::operations_held(caller) > crypto::kOperationsPerClient) {
    __builtin_trap();
  }
  // No request, however formed, takes a client past its key quota or creates a volatile key the
  // service does not know of.
  if (crypto::volatile_keys_held(caller) > crypto::kVolatileKeysPerClient ||
      crypto::volatile_keys_in_use() > 2 * crypto::kVolatileKeysPerClient || !crypto::key_record_consistent()) {
    __builtin_trap();
  }
  return 0;
}
