// libFuzzer target over ward::secure::dispatch: whole requests (caller, service, type, every
// vector's length and bytes, every output capacity) from the fuzzer, each vector in its own exactly
// sized heap block so that any read or write past it is an AddressSanitizer error.
//
// Input: [caller][service][type][counts] then per input vector [len lo][len hi][bytes...], then per
// output vector [cap lo][cap hi]. `type` below the number of known request types picks one of them,
// so most inputs reach a real handler; counts go up to 5 to exercise the vector-count checks.
#include <ward/secure/call.h>
#include <ward/secure/crypto_wire.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

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

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A fresh secure side now and then, so that state (keys, operations) stays bounded and runs
  // stay reproducible from a short history.
  if (++g_runs % 256 == 0) {
    boot();
  }
  Reader r(data, size);
  const ClientId caller = (r.byte() & 1) != 0 ? ward::secure::nonsecure_client(2) : ward::secure::nonsecure_client(1);
  const std::uint32_t service = r.byte() % 4;
  const std::uint8_t type_byte = r.byte();
  const std::int32_t type = type_byte < kTypeCount ? kTypes[type_byte] : static_cast<std::int8_t>(type_byte);
  const std::uint8_t counts = r.byte();
  const std::size_t in_count = (counts >> 4) % 6;
  const std::size_t out_count = (counts & 0xf) % 6;

  std::vector<std::unique_ptr<std::byte[]>> blocks;
  std::vector<std::span<const std::byte>> in;
  std::vector<std::span<std::byte>> out;
  for (std::size_t i = 0; i < in_count; ++i) {
    std::size_t n = r.u16();
    n = n < r.left() ? n : r.left();
    blocks.emplace_back(new std::byte[n == 0 ? 1 : n]);
    if (n != 0) std::memcpy(blocks.back().get(), r.take(n), n);
    in.emplace_back(blocks.back().get(), n);
  }
  for (std::size_t i = 0; i < out_count; ++i) {
    const std::size_t n = r.u16() % 8193;
    blocks.emplace_back(new std::byte[n == 0 ? 1 : n]());
    out.emplace_back(blocks.back().get(), n);
  }
  std::vector<std::size_t> written(out_count, 0);
  const psa_status_t status = ward::secure::dispatch(caller, service, type, in, out, written);
  for (std::size_t i = 0; i < out_count; ++i) {
    if (written[i] > out[i].size() || (status != PSA_SUCCESS && written[i] != 0 && type != WARD_CRYPTO_GENERATE_RANDOM)) {
      __builtin_trap();  // the service reported more than it was given, or output on an error
    }
  }
  if (ward::secure::crypto::operations_in_use() > ward::secure::crypto::kOperationSlots) {
    __builtin_trap();
  }
  return 0;
}
