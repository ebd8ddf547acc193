// secure_demo: a non-secure user thread signs and verifies a message with a persistent key that
// lives in the secure world and survives a reboot.
//
// The image runs non-secure beside Ward's secure image. The signer is an unprivileged thread in
// its own memory domain; it reaches the secure side only through the standard PSA Crypto and
// Internal Trusted Storage APIs (psa/crypto.h, psa/internal_trusted_storage.h), which the kernel
// carries through the psa_call system call. The private key never leaves the secure world.
//
// First boot: the signer creates the persistent key, signs, verifies, remembers the public key's
// fingerprint in ITS, and the device reboots. Second boot: the same key is found, a new message is
// signed and verified, and the fingerprint matches the one from before the reboot.
#include <psa/crypto.h>
#include <psa/internal_trusted_storage.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "ward/config.hpp"
#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/stack_bound.hpp"
#include "ward/print.hpp"
#include "sample_marks.hpp"

namespace {
using namespace ward;

constexpr psa_key_id_t kSigningKey = 0x5741;          // the signer's persistent key
constexpr psa_storage_uid_t kFingerprintUid = 0x4650;  // where it remembers the public key's hash

// What the signer tells the supervisor.
struct Outcome {
  volatile std::uint32_t boot;     // 1 = the key was created now, 2 = it was found
  volatile std::int32_t failure;   // PSA status of the first failed step (0 = none)
  volatile std::uint32_t step;     // which step failed
};

struct SignerMemory {
  Outcome outcome;
  std::array<std::uint8_t, PSA_SIGN_OUTPUT_SIZE(PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1), 256, PSA_ALG_ECDSA(PSA_ALG_SHA_256))> signature;
  std::array<std::uint8_t, PSA_EXPORT_PUBLIC_KEY_OUTPUT_SIZE(PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1), 256)> public_key;
  std::array<std::uint8_t, 32> fingerprint;
  std::array<std::uint8_t, 32> remembered;
};
PartitionMemory<((sizeof(SignerMemory) + 31) / 32) * 32> signer_memory;
SignerMemory& mem() { return *static_cast<SignerMemory*>(static_cast<void*>(signer_memory.bytes)); }
constexpr Domain<1> signer_domain{Partition::of(signer_memory, Access::read_write)};
UserThreadStack<2048> signer_stack;
Thread signer;

void say(const char* text) { (void)sys::print(text); }

void say_hex(const char* label, const std::uint8_t* bytes, std::size_t n) {
  char line[80];
  std::size_t at = 0;
  for (const char* p = label; *p != '\0' && at < sizeof line - 1; ++p) {
    line[at++] = *p;
  }
  constexpr char kDigits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < n && at + 3 < sizeof line; ++i) {
    line[at++] = kDigits[bytes[i] >> 4];
    line[at++] = kDigits[bytes[i] & 15];
  }
  line[at++] = '\n';
  (void)sys::console_write(UserSpan<const char>{reinterpret_cast<std::uintptr_t>(line), at});
}

// Records the first failure and tells whether the step worked.
bool ok(psa_status_t status, std::uint32_t step) {
  if (status != PSA_SUCCESS && mem().outcome.failure == 0) {
    mem().outcome.failure = status;
    mem().outcome.step = step;
  }
  return status == PSA_SUCCESS;
}

// ---- The signer: user mode, PSA APIs only --------------------------------------------------------
void signer_main(void*) {
  auto& m = mem();
  if (!ok(psa_crypto_init(), 1)) {
    return;
  }
  psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
  psa_key_id_t key = kSigningKey;
  const psa_status_t found = psa_get_key_attributes(kSigningKey, &attributes);
  psa_reset_key_attributes(&attributes);
  if (found == PSA_ERROR_INVALID_HANDLE || found == PSA_ERROR_DOES_NOT_EXIST) {
    m.outcome.boot = 1;
    say("signer: no key yet: generating a persistent P-256 key in the secure world\n");
    psa_set_key_id(&attributes, kSigningKey);
    psa_set_key_lifetime(&attributes, PSA_KEY_LIFETIME_PERSISTENT);
    psa_set_key_type(&attributes, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
    psa_set_key_bits(&attributes, 256);
    psa_set_key_usage_flags(&attributes, PSA_KEY_USAGE_SIGN_MESSAGE | PSA_KEY_USAGE_VERIFY_MESSAGE);
    psa_set_key_algorithm(&attributes, PSA_ALG_ECDSA(PSA_ALG_SHA_256));
    if (!ok(psa_generate_key(&attributes, &key), 2)) {
      return;
    }
  } else if (ok(found, 3)) {
    m.outcome.boot = 2;
    say("signer: found the persistent key created before the reboot\n");
  } else {
    return;
  }

  const char message[] = "Ward: signed by a non-secure user thread, key held by the secure world";
  const auto* msg = reinterpret_cast<const std::uint8_t*>(message);
  std::size_t sig_len = 0;
  if (!ok(psa_sign_message(key, PSA_ALG_ECDSA(PSA_ALG_SHA_256), msg, sizeof message - 1, m.signature.data(),
                           m.signature.size(), &sig_len), 4)) {
    return;
  }
  say_hex("signer: signature r = ", m.signature.data(), 16);
  if (!ok(psa_verify_message(key, PSA_ALG_ECDSA(PSA_ALG_SHA_256), msg, sizeof message - 1, m.signature.data(),
                             sig_len), 5)) {
    return;
  }
  say("signer: signature verified\n");
  m.signature[7] ^= 1;  // a forged signature must not verify
  if (psa_verify_message(key, PSA_ALG_ECDSA(PSA_ALG_SHA_256), msg, sizeof message - 1, m.signature.data(), sig_len) !=
      PSA_ERROR_INVALID_SIGNATURE) {
    ok(PSA_ERROR_GENERIC_ERROR, 6);
    return;
  }
  say("signer: a tampered signature is rejected\n");

  // The public key's fingerprint, compared across the reboot through Internal Trusted Storage.
  std::size_t pub_len = 0;
  std::size_t hash_len = 0;
  if (!ok(psa_export_public_key(key, m.public_key.data(), m.public_key.size(), &pub_len), 7) ||
      !ok(psa_hash_compute(PSA_ALG_SHA_256, m.public_key.data(), pub_len, m.fingerprint.data(), m.fingerprint.size(),
                           &hash_len), 8)) {
    return;
  }
  say_hex("signer: public key SHA-256 = ", m.fingerprint.data(), 16);
  if (m.outcome.boot == 1) {
    ok(psa_its_set(kFingerprintUid, m.fingerprint.size(), m.fingerprint.data(), PSA_STORAGE_FLAG_NONE), 9);
  } else {
    std::size_t got = 0;
    if (ok(psa_its_get(kFingerprintUid, 0, m.remembered.size(), m.remembered.data(), &got), 10) &&
        (got != m.remembered.size() || std::memcmp(m.remembered.data(), m.fingerprint.data(), got) != 0)) {
      ok(PSA_ERROR_CORRUPTION_DETECTED, 11);
    }
  }
}

WARD_STACK_BOUND_USER_THREAD(signer_stack, signer_main);  // the build checks its bound (docs/stack-bounds.md)
}  // namespace

int main() {
  sample::marks_begin();  // secure_demo_marks only (samples/marks.conf), as marks_report below
  print("secure demo: a user thread signs with a key only the secure world holds\n");
  if (!signer.create_user(signer_stack.span(), &signer_main, nullptr, Priority{10}, "signer", signer_domain) ||
      !signer.start() || !signer.join(Timeout::after(Duration::s(30)))) {
    print("secure demo: FAILED to run the signer\n");
    return 1;
  }
  const auto& o = mem().outcome;
  if (o.failure != 0) {
    print("secure demo: FAILED at step ", o.step, " with PSA status ", o.failure, '\n');
    return 1;
  }
  if (o.boot == 1) {
    sample::marks_report();  // the first boot's (key generation), before the reboot erases them
    print("secure demo: rebooting; the key must still be there afterwards\n");
    *reinterpret_cast<volatile std::uint32_t*>(0xE000ED0C) = 0x05FA0004;  // AIRCR.SYSRESETREQ
    for (;;) {
    }
  }
  print("secure demo: the persistent key survived the reboot (same public key): OK\n");
  sample::marks_report();
  return 0;
}
