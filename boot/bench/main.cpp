// boot_bench: the bootloader's crypto, in instructions (QEMU -icount shift=0: one instruction
// advances virtual time by 1 ns), timed with CMSDK TIMER1 calibrated by a loop of known length,
// like kernel_bench. Prints; asserts nothing but correctness (a verify that fails is an error).
//
//   boot_bench (what the bootloader runs, ward_boot_crypto):
//   - SHA-256 over 256 KiB and ECDSA P-256 verify, Ward's own (boot/src/sha256.cpp, lib/p256)
//   boot_bench_mbedtls (the alternatives that were measured, from the pinned Mbed TLS 3.6):
//   - SHA-256 over 256 KiB, Mbed TLS sha256.c
//   - ECDSA P-256 verify with p256-m (3rdparty/p256-m, -O3)
//   - ECDSA P-256 verify with Mbed TLS's ECP module (ward_mbedtls: NIST_OPTIM, window 4,
//     fixed-point comb, UMAAL bignum), through the legacy API and through PSA
#include <cstdint>
#include <cstring>

#include "crypto_vectors.hpp"
#include "ward/print.hpp"
#if WARD_BENCH_MBEDTLS
#include "mbedtls/ecdsa.h"
#include "mbedtls/sha256.h"
#include "p256-m.h"
#include "psa/crypto.h"
#include "ward/crypto/mbedtls_platform.hpp"
#else
#include "ward/boot/boot_crypto.hpp"
#endif

namespace {
using namespace ward;
namespace cv = ward::test::crypto_vectors;

struct CmsdkTimer {
  volatile std::uint32_t ctrl, value, reload, intstatus;
};
CmsdkTimer& timer1 = *reinterpret_cast<CmsdkTimer*>(0x50001000);
constexpr std::uint32_t kCalibrationInstructions = 2'000'000;
std::uint32_t calibration_ticks = 1;

std::uint32_t ticks() { return timer1.value; }
std::uint32_t calibrate() {
  const std::uint32_t start = ticks();
  std::uint32_t n = kCalibrationInstructions / 2;
  asm volatile(
      "1: subs %0, %0, #1\n"
      "   bne 1b\n"
      : "+r"(n)::"cc");
  return start - ticks();
}
std::uint64_t instructions(std::uint32_t elapsed) {
  return std::uint64_t{elapsed} * kCalibrationInstructions / calibration_ticks;
}

int errors = 0;
template <class F>
void measure(const char* what, F&& f) {
  // Compiler barriers: with link-time optimisation the measured work could otherwise be moved
  // across the timer reads.
  const std::uint32_t start = ticks();
  asm volatile("" ::: "memory");
  bool ok = f();
  asm volatile("" : "+r"(ok)::"memory");
  const std::uint32_t elapsed = start - ticks();
  if (!ok) {
    ++errors;
    print("  ", what, ": FAILED\n");
    return;
  }
  print("  ", what, ": ", instructions(elapsed), " instructions\n");
}

}  // namespace

int main() {
  timer1.ctrl = 0;
  timer1.reload = 0xFFFFFFFF;
  timer1.value = 0xFFFFFFFF;
  timer1.ctrl = 1;
  calibration_ticks = calibrate();
  print("boot_bench: the bootloader's crypto, instructions (QEMU mps2-an505, -icount shift=0)\n");

  std::array<std::uint8_t, 64> pub{}, sig{};
  std::memcpy(pub.data(), cv::kEcdsaPublicKey.data() + 1, 64);
  std::memcpy(sig.data(), cv::kEcdsaSignature.data(), 64);
#if !WARD_BENCH_MBEDTLS
  boot::BootCrypto crypto;
  // 256 KiB of executable memory stands in for an image (the content does not change the cost).
  const auto* data = reinterpret_cast<const std::byte*>(0x10000000);
  measure("SHA-256 of 256 KiB (Ward, bootloader)", [&] {
    crypto.sha256_start();
    crypto.sha256_update(std::span{data, 256 * 1024});
    (void)crypto.sha256_finish();
    return true;
  });
  measure("ECDSA P-256 verify (Ward, bootloader)", [&] { return crypto.p256_verify(pub, cv::kEcdsaMessageSha256, sig); });
  auto bad = sig;
  bad[40] ^= 1;
  measure("ECDSA P-256 verify (Ward), bad signature rejected", [&] {
    return !crypto.p256_verify(pub, cv::kEcdsaMessageSha256, bad);
  });

#else
  const auto* data = reinterpret_cast<const unsigned char*>(0x10000000);
  measure("SHA-256 of 256 KiB (Mbed TLS sha256.c)", [&] {
    unsigned char out[32];
    return mbedtls_sha256(data, 256 * 1024, out, 0) == 0;
  });
  measure("ECDSA P-256 verify, p256-m", [&] {
    return p256_ecdsa_verify(sig.data(), pub.data(), cv::kEcdsaMessageSha256.data(), 32) == P256_SUCCESS;
  });
  if (crypto::init() != PSA_SUCCESS) {
    print("psa_crypto_init failed\n");
    return 1;
  }
  mbedtls_ecp_group grp;
  mbedtls_ecp_point q;
  mbedtls_mpi r, s;
  mbedtls_ecp_group_init(&grp);
  mbedtls_ecp_point_init(&q);
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  const bool setup = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
                     mbedtls_ecp_point_read_binary(&grp, &q, cv::kEcdsaPublicKey.data(), cv::kEcdsaPublicKey.size()) == 0 &&
                     mbedtls_mpi_read_binary(&r, sig.data(), 32) == 0 && mbedtls_mpi_read_binary(&s, sig.data() + 32, 32) == 0;
  measure("ECDSA P-256 verify, Mbed TLS ECP (mbedtls_ecdsa_verify)", [&] {
    return setup && mbedtls_ecdsa_verify(&grp, cv::kEcdsaMessageSha256.data(), 32, &q, &r, &s) == 0;
  });
  mbedtls_ecp_group_free(&grp);
  mbedtls_ecp_point_free(&q);
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&s);

  psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&attr, PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_SECP_R1));
  psa_set_key_bits(&attr, 256);
  psa_set_key_usage_flags(&attr, PSA_KEY_USAGE_VERIFY_HASH);
  psa_set_key_algorithm(&attr, PSA_ALG_ECDSA(PSA_ALG_SHA_256));
  psa_key_id_t id = 0;
  const bool imported = psa_import_key(&attr, cv::kEcdsaPublicKey.data(), cv::kEcdsaPublicKey.size(), &id) == PSA_SUCCESS;
  measure("ECDSA P-256 verify, Mbed TLS PSA (psa_verify_hash)", [&] {
    return imported && psa_verify_hash(id, PSA_ALG_ECDSA(PSA_ALG_SHA_256), cv::kEcdsaMessageSha256.data(), 32,
                                       sig.data(), sig.size()) == PSA_SUCCESS;
  });
  (void)psa_destroy_key(id);
#endif
  print("boot_bench: ", errors == 0 ? "done" : "ERRORS", '\n');
  return errors == 0 ? 0 : 1;
}
