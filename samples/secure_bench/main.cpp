// secure_bench: the cost of the secure world, seen from the non-secure side (./ward bench-secure).
//
// Run under QEMU with -icount shift=0 (one instruction = 1 ns of virtual time), so the figures are
// instructions, as in bench/METHOD.md. Time is read from the SSE-200's TIMER1 through its
// non-secure alias (the secure image hands the timers to the non-secure world), calibrated with a
// loop of known length. Every measured call is checked, so a broken path cannot post a number.
#include <psa/crypto.h>

#include <array>
#include <cstdint>

#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/stack_bound.hpp"
#include "ward/print.hpp"
#include "ward/secure/call.h"
#include "ward/secure/gateway.h"
#include "ward/secure/monitor.hpp"

namespace {
using namespace ward;

constexpr std::uint32_t kCalibrationInstructions = 2'000'000;
constexpr std::uint32_t kCalls = 1'000;
constexpr std::uint32_t kNoSuchService = 0x7777;  // answered by the dispatcher at once
constexpr psa_status_t kRefused = PSA_ERROR_CONNECTION_REFUSED;

struct CmsdkTimer {
  volatile std::uint32_t ctrl, value, reload, intstatus;
};
CmsdkTimer& timer1 = *reinterpret_cast<CmsdkTimer*>(0x40001000);  // TIMER1, non-secure alias

std::uint32_t ticks() {
  asm volatile("" ::: "memory");  // no work moves across a timer read
  const std::uint32_t v = timer1.value;
  asm volatile("" ::: "memory");
  return v;
}
std::uint32_t calibration_ticks = 0;
std::uint32_t errors = 0;

std::uint32_t calibrate() {
  timer1.ctrl = 0;
  timer1.reload = 0xFFFFFFFF;
  timer1.value = 0xFFFFFFFF;
  timer1.ctrl = 1;
  const std::uint32_t start = ticks();
  std::uint32_t n = kCalibrationInstructions / 2;
  asm volatile(
      "1: subs %0, %0, #1\n"
      "   bne 1b\n"
      : "+r"(n)::"cc");
  return start - ticks();
}

// Instructions for `elapsed` ticks over `ops` operations, times 10.
std::uint64_t per_op_x10(std::uint32_t elapsed, std::uint32_t ops) {
  return (std::uint64_t{elapsed} * kCalibrationInstructions * 10) / (std::uint64_t{calibration_ticks} * ops);
}

void report(const char* what, std::uint32_t elapsed, std::uint32_t ops, const char* unit) {
  const std::uint64_t x10 = per_op_x10(elapsed, ops);
  print("  ", what, ": ", static_cast<std::uint32_t>(x10 / 10), ".", static_cast<std::uint32_t>(x10 % 10), " ", unit,
        "\n");
}

void check(bool ok, const char* what) {
  if (!ok) {
    ++errors;
    print("  check failed: ", what, "\n");
  }
}

// ---- Round trips ---------------------------------------------------------------------------------
void veneer_round_trip() {
  ward_spe_request r{kNoSuchService, 0, 1, 0, nullptr, 0, nullptr, 0};
  const std::uint32_t t0 = ticks();
  for (std::uint32_t i = 0; i < kCalls; ++i) {
    check(ward_spe_call(&r) == kRefused, "veneer call");
  }
  report("veneer round trip (NSC entry, request checks, dispatch, return)", t0 - ticks(), kCalls, "instructions");
}

void kernel_round_trip() {
  std::uint8_t in[16] = {};
  psa_invec v{in, sizeof in};
  const std::uint32_t t0 = ticks();
  for (std::uint32_t i = 0; i < kCalls; ++i) {
    check(ward_psa_call(kNoSuchService, 0, &v, 1, nullptr, 0) == kRefused, "kernel call");
  }
  report("PSA call from a privileged thread (lock, copy, veneer; 16-byte input)", t0 - ticks(), kCalls,
         "instructions");
}

struct UserResult {
  volatile std::uint32_t elapsed;
  volatile std::uint32_t bad;
  std::uint8_t in[16];
};
PartitionMemory<32> user_memory;
UserResult& user_result() { return *static_cast<UserResult*>(static_cast<void*>(user_memory.bytes)); }
constexpr Domain<1> user_domain{Partition::of(user_memory, Access::read_write)};
UserThreadStack<1024> user_stack;
Thread user;

void user_round_trip(void*) {
  auto& r = user_result();
  psa_invec v{r.in, sizeof r.in};
  for (std::uint32_t i = 0; i < kCalls; ++i) {
    if (ward_psa_call(kNoSuchService, 0, &v, 1, nullptr, 0) != kRefused) {
      r.bad = r.bad + 1;
    }
  }
}

void user_thread_round_trip() {
  user_result() = UserResult{};
  check(static_cast<bool>(user.create_user(user_stack.span(), &user_round_trip, nullptr, Priority{20}, "user",
                                           user_domain)),
        "create user");
  const std::uint32_t t0 = ticks();
  check(static_cast<bool>(user.start()), "start user");
  check(static_cast<bool>(user.join(Timeout::forever())), "join user");
  const std::uint32_t elapsed = t0 - ticks();
  check(user_result().bad == 0, "user calls");
  // Timed from the supervisor (TIMER1 is not in the user's domain): includes one thread start and
  // join, under one instruction per call over 1,000 calls.
  report("PSA call from a user thread (system call, domain checks, veneer)", elapsed, kCalls, "instructions");
}

// ---- Crypto ----------------------------------------------------------------------------------------
std::array<std::uint8_t, 1024> chunk{};

void sha256_per_byte() {
  constexpr std::uint32_t kChunks = 16;  // 16 KiB through 1 KiB updates (one call carries <= 4 KiB)
  std::array<std::uint8_t, 32> digest{};
  std::size_t len = 0;
  const std::uint32_t t0 = ticks();
  psa_hash_operation_t op = PSA_HASH_OPERATION_INIT;
  check(psa_hash_setup(&op, PSA_ALG_SHA_256) == PSA_SUCCESS, "hash setup");
  for (std::uint32_t i = 0; i < kChunks; ++i) {
    check(psa_hash_update(&op, chunk.data(), chunk.size()) == PSA_SUCCESS, "hash update");
  }
  check(psa_hash_finish(&op, digest.data(), digest.size(), &len) == PSA_SUCCESS && len == 32, "hash finish");
  report("SHA-256 through the PSA API (16 KiB in 1 KiB updates)", t0 - ticks(), kChunks * chunk.size(),
         "instructions/byte");
}

// P-256 through the PSA API (Ward's P-256 behind Mbed TLS's driver interface, secure/crypto/src/
// p256_driver.cpp): each operation kRuns times, every result checked.
constexpr std::uint32_t kRuns = 4;
constexpr psa_algorithm_t kEcdsa = PSA_ALG_ECDSA(PSA_ALG_SHA_256);

psa_key_id_t p256_key(psa_key_usage_t usage, psa_algorithm_t alg) {
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
  psa_set_key_bits(&a, 256);
  psa_set_key_usage_flags(&a, usage);
  psa_set_key_algorithm(&a, alg);
  psa_key_id_t key = 0;
  check(psa_generate_key(&a, &key) == PSA_SUCCESS, "generate key");
  return key;
}

// X9.62 uncompressed public key of `key`.
std::array<std::uint8_t, 65> public_of(psa_key_id_t key) {
  std::array<std::uint8_t, 65> pub{};
  std::size_t len = 0;
  check(psa_export_public_key(key, pub.data(), pub.size(), &len) == PSA_SUCCESS && len == pub.size() && pub[0] == 4,
        "export public key");
  return pub;
}

void p256_keygen() {
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
  psa_set_key_bits(&a, 256);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_EXPORT);
  psa_set_key_algorithm(&a, kEcdsa);
  std::array<psa_key_id_t, kRuns> keys{};
  std::uint32_t t0 = ticks();
  for (auto& k : keys) check(psa_generate_key(&a, &k) == PSA_SUCCESS, "generate key");
  report("P-256 generate_key (private value only)", t0 - ticks(), kRuns, "instructions");
  std::array<std::uint8_t, 65> pub{};
  std::size_t len = 0;
  t0 = ticks();
  for (auto k : keys) check(psa_export_public_key(k, pub.data(), pub.size(), &len) == PSA_SUCCESS, "export");
  report("P-256 export_public_key (d * G)", t0 - ticks(), kRuns, "instructions");
  for (auto k : keys) check(psa_destroy_key(k) == PSA_SUCCESS, "destroy key");
}

void ecdsa() {
  const psa_key_id_t key = p256_key(PSA_KEY_USAGE_SIGN_HASH | PSA_KEY_USAGE_VERIFY_HASH, kEcdsa);
  std::array<std::uint8_t, 32> hash{};
  hash.fill(0x5a);
  std::array<std::uint8_t, 64> sig{};
  std::size_t sig_len = 0;
  std::uint32_t t0 = ticks();
  for (std::uint32_t i = 0; i < kRuns; ++i) {
    check(psa_sign_hash(key, kEcdsa, hash.data(), hash.size(), sig.data(), sig.size(), &sig_len) == PSA_SUCCESS,
          "sign");
  }
  report("ECDSA P-256 sign_hash", t0 - ticks(), kRuns, "instructions");
  // The verifier's usual case: a public key imported.
  const auto pub = public_of(key);
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_SECP_R1));
  psa_set_key_bits(&a, 256);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_VERIFY_HASH);
  psa_set_key_algorithm(&a, kEcdsa);
  psa_key_id_t pub_key = 0;
  check(psa_import_key(&a, pub.data(), pub.size(), &pub_key) == PSA_SUCCESS, "import public key");
  t0 = ticks();
  for (std::uint32_t i = 0; i < kRuns; ++i) {
    check(psa_verify_hash(pub_key, kEcdsa, hash.data(), hash.size(), sig.data(), sig_len) == PSA_SUCCESS, "verify");
  }
  report("ECDSA P-256 verify_hash (public key)", t0 - ticks(), kRuns, "instructions");
  // With the key pair: one multiplication by G, (u1 + u2 d) G, instead of d G and then a verify.
  t0 = ticks();
  for (std::uint32_t i = 0; i < kRuns; ++i) {
    check(psa_verify_hash(key, kEcdsa, hash.data(), hash.size(), sig.data(), sig_len) == PSA_SUCCESS, "verify");
  }
  report("ECDSA P-256 verify_hash (key pair)", t0 - ticks(), kRuns, "instructions");
  sig[5] ^= 1;
  check(psa_verify_hash(pub_key, kEcdsa, hash.data(), hash.size(), sig.data(), sig_len) ==
            PSA_ERROR_INVALID_SIGNATURE,
        "tampered signature rejected");
  check(psa_destroy_key(pub_key) == PSA_SUCCESS, "destroy key");
  check(psa_destroy_key(key) == PSA_SUCCESS, "destroy key");
}

void ecdh() {
  const psa_key_id_t alice = p256_key(PSA_KEY_USAGE_DERIVE, PSA_ALG_ECDH);
  const psa_key_id_t bob = p256_key(PSA_KEY_USAGE_DERIVE, PSA_ALG_ECDH);
  const auto alice_pub = public_of(alice);
  const auto bob_pub = public_of(bob);
  std::array<std::uint8_t, 32> s1{}, s2{};
  std::size_t len = 0;
  const std::uint32_t t0 = ticks();
  for (std::uint32_t i = 0; i < kRuns; ++i) {
    check(psa_raw_key_agreement(PSA_ALG_ECDH, alice, bob_pub.data(), bob_pub.size(), s1.data(), s1.size(), &len) ==
                  PSA_SUCCESS &&
              len == 32,
          "ECDH");
  }
  report("ECDH P-256 raw_key_agreement", t0 - ticks(), kRuns, "instructions");
  check(psa_raw_key_agreement(PSA_ALG_ECDH, bob, alice_pub.data(), alice_pub.size(), s2.data(), s2.size(), &len) ==
                PSA_SUCCESS &&
            s1 == s2,
        "both sides agree");
  check(psa_destroy_key(alice) == PSA_SUCCESS && psa_destroy_key(bob) == PSA_SUCCESS, "destroy keys");
}

WARD_STACK_BOUND_USER_THREAD(user_stack, user_round_trip);  // the build checks its bound (docs/stack-bounds.md)
}  // namespace

// The secure stacks' high-water marks after everything above (ECDSA is the deepest call): what
// they cost the secure image's RAM, measured.
void secure_stacks() {
  ward_spe_stacks s{};
  check(ward::secure::stack_report(s), "ward::secure::stack_report");
  print("  secure stacks (used of size, bytes): handlers ", s.handler.used, " of ", s.handler.size, ", service ",
        s.service.used, " of ", s.service.size, ", landing ", s.landing.used, " of ", s.landing.size, " (x2)\n");
  print("  Mbed TLS heap (high-water mark of size, bytes): ", s.heap.used, " of ", s.heap.size, "\n");
}

int main() {
  print("secure_bench: the secure world from the non-secure side (instructions, -icount shift=0)\n");
  calibration_ticks = calibrate();
  check(psa_crypto_init() == PSA_SUCCESS, "psa_crypto_init");
  veneer_round_trip();
  kernel_round_trip();
  user_thread_round_trip();
  sha256_per_byte();
  p256_keygen();
  ecdsa();
  ecdh();
  secure_stacks();
  print("secure_bench: verification errors: ", errors, "\n");
  return errors == 0 ? 0 : 1;
}
