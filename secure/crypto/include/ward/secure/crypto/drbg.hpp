// HMAC_DRBG with HMAC-SHA-256 (NIST SP 800-90A Rev. 1, section 10.1.2), the secure side's PSA
// random generator (secure/crypto/src/drbg.cpp, built into ward_mbedtls_spe beside kdf.cpp, on
// whose HMAC it runs). Mbed TLS's PSA core reaches it through MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG
// (spe_platform.cpp seeds it and answers mbedtls_psa_external_get_random), so the secure image
// needs neither Mbed TLS's entropy module nor its CTR_DRBG (docs/secure-world.md, "Random").
//
// No prediction resistance and no derivation function are involved: the state is K and V only.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace ward::secure::crypto {

class HmacDrbg {
 public:
  // SP 800-90A, table 2: at most 2^19 bits per request, 2^48 requests between reseeds.
  static constexpr std::size_t kMaxRequest = std::size_t{1} << 16;
  static constexpr std::uint64_t kReseedInterval = std::uint64_t{1} << 48;

  // `reseed_interval` below the standard's maximum only for tests of the limit.
  explicit HmacDrbg(std::uint64_t reseed_interval = kReseedInterval) : reseed_interval_(reseed_interval) {}
  ~HmacDrbg() { clear(); }
  HmacDrbg(const HmacDrbg&) = delete;
  HmacDrbg& operator=(const HmacDrbg&) = delete;

  // Instantiate from seed material = entropy input || nonce || personalisation string.
  void instantiate(std::span<const std::byte> entropy, std::span<const std::byte> personalisation);
  // Reseed with fresh entropy input (and additional input).
  void reseed(std::span<const std::byte> entropy, std::span<const std::byte> additional = {});
  // Fills `out` (no additional input: PSA never has one). False, and `out` untouched, when not
  // instantiated, when more than kMaxRequest bytes are asked for, or when the reseed interval is
  // used up (the caller must reseed).
  [[nodiscard]] bool generate(std::span<std::byte> out);

  bool instantiated() const { return reseed_counter_ != 0; }
  // Forgets the state (zeroised): uninstantiated.
  void clear();

 private:
  void update(std::span<const std::byte> a, std::span<const std::byte> b = {});

  std::array<std::byte, 32> key_{};
  std::array<std::byte, 32> value_{};
  std::uint64_t reseed_counter_ = 0;  // 0: not instantiated
  std::uint64_t reseed_interval_;
};

}  // namespace ward::secure::crypto
