// A sample of every Wycheproof file the host runs in full (tests/crypto_vectors): the first valid
// and the first invalid vector of each, taken from the files at build time
// (gen_wycheproof_sample.py), through the real path on QEMU (client library, psa_call system call,
// veneer, secure crypto service). A valid vector must give exactly its result, an invalid one must
// be refused.
#include <psa/crypto.h>

#include <cstdint>
#include <cstring>

#include "ward/print.hpp"
#include "ward/test.hpp"

namespace {

enum class Kind { aead, mac, cbc, hkdf, ecdsa, ecdsa_der, ecdh, rsa };
struct Data {
  const std::uint8_t* p;
  std::size_t n;
};
struct Vector {
  const char* file;
  int tc_id;
  Kind kind;
  psa_key_type_t symmetric_type;  // aead, mac, cbc
  std::size_t bits;               // ecdsa, ecdh, rsa
  psa_algorithm_t alg;
  // aead: key, nonce, ad, ciphertext || tag, plaintext; mac: key, message, -, tag; cbc: key,
  // iv || ciphertext, -, -, plaintext; hkdf: secret, salt, info, -, output; ecdsa: public key,
  // message, -, r || s; ecdh: private key, peer point, -, -, shared secret; rsa: public key
  // (PKCS#1), message, -, signature.
  Data key, a, b, c, out;
  std::size_t size;  // hkdf output length
  bool valid;
};
#include "wycheproof_sample.inc"

std::uint8_t g_out[1024];

psa_status_t import(const Vector& v, psa_key_type_t type, std::size_t bits, psa_key_usage_t usage,
                    psa_key_id_t* key) {
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, type);
  psa_set_key_bits(&a, bits);
  psa_set_key_usage_flags(&a, usage);
  psa_set_key_algorithm(&a, v.alg);
  return psa_import_key(&a, v.key.p, v.key.n, key);
}

bool same(const std::uint8_t* got, std::size_t n, const Data& want) {
  return n == want.n && std::memcmp(got, want.p, n) == 0;
}

// Runs one vector; true when the outcome is the expected one.
bool run(const Vector& v) {
  psa_key_id_t key = 0;
  std::size_t n = 0;
  psa_status_t s = PSA_ERROR_GENERIC_ERROR;
  bool right = false;
  switch (v.kind) {
    case Kind::aead:
      s = import(v, v.symmetric_type, 0, PSA_KEY_USAGE_DECRYPT, &key);
      if (s == PSA_SUCCESS) {
        s = psa_aead_decrypt(key, v.alg, v.a.p, v.a.n, v.b.p, v.b.n, v.c.p, v.c.n, g_out, sizeof g_out, &n);
      }
      right = v.valid ? s == PSA_SUCCESS && same(g_out, n, v.out) : s != PSA_SUCCESS;
      break;
    case Kind::mac:
      // (The sample's tags are full length: the generator takes the first group of each file.)
      s = import(v, v.symmetric_type, 0, PSA_KEY_USAGE_VERIFY_MESSAGE, &key);
      if (s == PSA_SUCCESS) {
        s = psa_mac_verify(key, v.alg, v.a.p, v.a.n, v.c.p, v.c.n);
      }
      right = v.valid ? s == PSA_SUCCESS : s == PSA_ERROR_INVALID_SIGNATURE;
      break;
    case Kind::cbc:
      s = import(v, v.symmetric_type, 0, PSA_KEY_USAGE_DECRYPT, &key);
      if (s == PSA_SUCCESS) {
        s = psa_cipher_decrypt(key, v.alg, v.a.p, v.a.n, g_out, sizeof g_out, &n);
      }
      right = v.valid ? s == PSA_SUCCESS && same(g_out, n, v.out) : s == PSA_ERROR_INVALID_PADDING;
      break;
    case Kind::hkdf: {
      psa_key_derivation_operation_t op = PSA_KEY_DERIVATION_OPERATION_INIT;
      s = psa_key_derivation_setup(&op, v.alg);
      if (s == PSA_SUCCESS) s = psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_SALT, v.a.p, v.a.n);
      if (s == PSA_SUCCESS) s = psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_SECRET, v.key.p, v.key.n);
      if (s == PSA_SUCCESS) s = psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_INFO, v.b.p, v.b.n);
      if (s == PSA_SUCCESS) s = psa_key_derivation_output_bytes(&op, g_out, v.size);
      (void)psa_key_derivation_abort(&op);
      right = v.valid ? s == PSA_SUCCESS && same(g_out, v.size, v.out) : s != PSA_SUCCESS;
      break;
    }
    case Kind::ecdsa:
    case Kind::ecdsa_der:
    case Kind::rsa: {
      const psa_key_type_t type = v.kind == Kind::rsa ? PSA_KEY_TYPE_RSA_PUBLIC_KEY
                                                      : PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_SECP_R1);
      s = import(v, type, v.bits, PSA_KEY_USAGE_VERIFY_MESSAGE, &key);
      if (s == PSA_SUCCESS) {
        s = psa_verify_message(key, v.alg, v.a.p, v.a.n, v.c.p, v.c.n);
      }
      right = v.valid ? s == PSA_SUCCESS : s == PSA_ERROR_INVALID_SIGNATURE || s == PSA_ERROR_INVALID_ARGUMENT;
      break;
    }
    case Kind::ecdh:
      s = import(v, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1), v.bits, PSA_KEY_USAGE_DERIVE, &key);
      if (s == PSA_SUCCESS) {
        s = psa_raw_key_agreement(v.alg, key, v.a.p, v.a.n, g_out, sizeof g_out, &n);
      }
      right = v.valid ? s == PSA_SUCCESS && same(g_out, n, v.out) : s != PSA_SUCCESS;
      break;
  }
  if (key != 0) {
    (void)psa_destroy_key(key);
  }
  if (!right) {
    ward::print(v.file, " tcId ", static_cast<unsigned>(v.tc_id), ": status ", static_cast<int>(s), "\n");
  }
  return right;
}

WARD_TEST(Wycheproof, ASampleOfEveryFile) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  unsigned passed = 0;
  for (const auto& v : kVectors) {
    const bool ok = run(v);
    WARD_EXPECT_TRUE(ok);
    passed += ok ? 1 : 0;
  }
  ward::print("wycheproof sample: ", passed, " of ", static_cast<unsigned>(sizeof kVectors / sizeof kVectors[0]),
              " vectors as expected\n");
}

}  // namespace
