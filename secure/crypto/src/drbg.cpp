#include "ward/secure/crypto/drbg.hpp"

#include <algorithm>
#include <cstring>

#include <mbedtls/platform_util.h>

#include "ward/secure/crypto/kdf.hpp"

namespace ward::secure::crypto {

// HMAC_DRBG_Update (SP 800-90A, 10.1.2.2) with provided_data = a || b.
void HmacDrbg::update(std::span<const std::byte> a, std::span<const std::byte> b) {
  for (const std::byte round : {std::byte{0x00}, std::byte{0x01}}) {
    key_ = hmac_sha256(key_, {value_, std::span{&round, 1}, a, b});
    value_ = hmac_sha256(key_, {value_});
    if (a.empty() && b.empty()) {
      break;  // step 3: without provided data, one round
    }
  }
}

void HmacDrbg::instantiate(std::span<const std::byte> entropy, std::span<const std::byte> personalisation) {
  key_.fill(std::byte{0x00});
  value_.fill(std::byte{0x01});
  update(entropy, personalisation);
  reseed_counter_ = 1;
}

void HmacDrbg::reseed(std::span<const std::byte> entropy, std::span<const std::byte> additional) {
  update(entropy, additional);
  reseed_counter_ = 1;
}

bool HmacDrbg::generate(std::span<std::byte> out) {
  if (!instantiated() || out.size() > kMaxRequest || reseed_counter_ > reseed_interval_) {
    return false;
  }
  for (std::size_t done = 0; done < out.size();) {
    value_ = hmac_sha256(key_, {value_});
    const std::size_t n = std::min(value_.size(), out.size() - done);
    std::memcpy(out.data() + done, value_.data(), n);
    done += n;
  }
  update({});
  ++reseed_counter_;
  return true;
}

void HmacDrbg::clear() {
  mbedtls_platform_zeroize(key_.data(), key_.size());
  mbedtls_platform_zeroize(value_.data(), value_.size());
  reseed_counter_ = 0;
}

}  // namespace ward::secure::crypto
