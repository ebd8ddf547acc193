/* The wire format of WARD_SERVICE_CRYPTO: request types and the fixed structs that cross the
 * boundary. Shared by the client library (secure/client) and the service (secure/crypto), which
 * are compiled with different Mbed TLS configurations: neither side's psa_key_attributes_t (nor any
 * other Mbed TLS struct) ever crosses, only these explicit, fixed-size structs.
 *
 * Every request: in_vec[0] is a ward_crypto_args (exactly sizeof bytes; fields a request does not
 * use must be 0), followed by the data vectors listed below; the service checks the number of
 * vectors and every size exactly and refuses anything else with PSA_ERROR_INVALID_ARGUMENT
 * (a missing output vector: PSA_ERROR_INVALID_ARGUMENT; too small: PSA_ERROR_BUFFER_TOO_SMALL).
 * Key ids are the caller's own 32-bit ids: the secure side adds the owner (the caller's identity),
 * so a caller can never name another caller's key. Operation handles are opaque and bound to the
 * caller that set the operation up.
 *
 *   type                         args used            in[1..]                 out[]
 *   WARD_CRYPTO_INIT             -                    -                       -
 *   WARD_CRYPTO_GENERATE_RANDOM  -                    -                       bytes
 *   WARD_CRYPTO_IMPORT_KEY       -                    attributes, key data    key id (u32)
 *   WARD_CRYPTO_GENERATE_KEY     -                    attributes              key id (u32)
 *   WARD_CRYPTO_EXPORT_KEY       key                  -                       data
 *   WARD_CRYPTO_EXPORT_PUBLIC_KEY key                 -                       data
 *   WARD_CRYPTO_DESTROY_KEY      key                  -                       -
 *   WARD_CRYPTO_PURGE_KEY        key                  -                       -
 *   WARD_CRYPTO_GET_KEY_ATTRIBUTES key                -                       attributes
 *   WARD_CRYPTO_COPY_KEY         key                  attributes              key id (u32)
 *   WARD_CRYPTO_GENERATE_KEY_CUSTOM -                 attributes, custom, data key id (u32)
 *   WARD_CRYPTO_HASH_COMPUTE     alg                  input                   hash
 *   WARD_CRYPTO_HASH_COMPARE     alg                  input, hash             -
 *   WARD_CRYPTO_HASH_SETUP       alg                  -                       handle (u32)
 *   WARD_CRYPTO_HASH_UPDATE      handle               input                   -
 *   WARD_CRYPTO_HASH_FINISH      handle               -                       hash
 *   WARD_CRYPTO_HASH_VERIFY      handle               hash                    -
 *   WARD_CRYPTO_HASH_ABORT       handle               -                       -
 *   WARD_CRYPTO_HASH_CLONE       handle               -                       handle (u32)
 *   WARD_CRYPTO_MAC_COMPUTE      key, alg             input                   mac
 *   WARD_CRYPTO_MAC_VERIFY       key, alg             input, mac              -
 *   WARD_CRYPTO_MAC_SIGN_SETUP   key, alg             -                       handle (u32)
 *   WARD_CRYPTO_MAC_VERIFY_SETUP key, alg             -                       handle (u32)
 *   WARD_CRYPTO_MAC_UPDATE       handle               input                   -
 *   WARD_CRYPTO_MAC_SIGN_FINISH  handle               -                       mac
 *   WARD_CRYPTO_MAC_VERIFY_FINISH handle              mac                     -
 *   WARD_CRYPTO_MAC_ABORT        handle               -                       -
 *   WARD_CRYPTO_CIPHER_ENCRYPT   key, alg             input                   iv||ciphertext
 *   WARD_CRYPTO_CIPHER_DECRYPT   key, alg             iv||ciphertext          plaintext
 *   WARD_CRYPTO_CIPHER_ENCRYPT_SETUP key, alg         -                       handle (u32)
 *   WARD_CRYPTO_CIPHER_DECRYPT_SETUP key, alg         -                       handle (u32)
 *   WARD_CRYPTO_CIPHER_GENERATE_IV handle             -                       iv
 *   WARD_CRYPTO_CIPHER_SET_IV    handle               iv                      -
 *   WARD_CRYPTO_CIPHER_UPDATE    handle               input                   output
 *   WARD_CRYPTO_CIPHER_FINISH    handle               -                       output
 *   WARD_CRYPTO_CIPHER_ABORT     handle               -                       -
 *   WARD_CRYPTO_AEAD_ENCRYPT     key, alg             nonce, ad, plaintext    ciphertext||tag
 *   WARD_CRYPTO_AEAD_DECRYPT     key, alg             nonce, ad, ciphertext   plaintext
 *   WARD_CRYPTO_AEAD_ENCRYPT_SETUP key, alg           -                       handle (u32)
 *   WARD_CRYPTO_AEAD_DECRYPT_SETUP key, alg           -                       handle (u32)
 *   WARD_CRYPTO_AEAD_GENERATE_NONCE handle            -                       nonce
 *   WARD_CRYPTO_AEAD_SET_NONCE   handle               nonce                   -
 *   WARD_CRYPTO_AEAD_SET_LENGTHS handle               lengths                 -
 *   WARD_CRYPTO_AEAD_UPDATE_AD   handle               input                   -
 *   WARD_CRYPTO_AEAD_UPDATE      handle               input                   output
 *   WARD_CRYPTO_AEAD_FINISH      handle               -                       ciphertext, tag
 *   WARD_CRYPTO_AEAD_VERIFY      handle               tag                     plaintext
 *   WARD_CRYPTO_AEAD_ABORT       handle               -                       -
 *   WARD_CRYPTO_ASYMMETRIC_ENCRYPT key, alg           input, salt             output
 *   WARD_CRYPTO_ASYMMETRIC_DECRYPT key, alg           input, salt             output
 *   WARD_CRYPTO_SIGN_HASH        key, alg             hash                    signature
 *   WARD_CRYPTO_VERIFY_HASH      key, alg             hash, signature         -
 *   WARD_CRYPTO_SIGN_MESSAGE     key, alg             message                 signature
 *   WARD_CRYPTO_VERIFY_MESSAGE   key, alg             message, signature      -
 *   WARD_CRYPTO_SIGN_HASH_START  key, alg             hash                    handle (u32)
 *   WARD_CRYPTO_SIGN_HASH_COMPLETE handle, capacity=max ops -                 signature
 *   WARD_CRYPTO_SIGN_HASH_NUM_OPS handle              -                       ops (u32)
 *   WARD_CRYPTO_SIGN_HASH_ABORT  handle               -                       -
 *   WARD_CRYPTO_VERIFY_HASH_START key, alg            hash, signature         handle (u32)
 *   WARD_CRYPTO_VERIFY_HASH_COMPLETE handle, capacity=max ops -               -
 *   WARD_CRYPTO_VERIFY_HASH_NUM_OPS handle            -                       ops (u32)
 *   WARD_CRYPTO_VERIFY_HASH_ABORT handle              -                       -
 *   WARD_CRYPTO_RAW_KEY_AGREEMENT key, alg            peer public key         shared secret
 *   WARD_CRYPTO_KDF_SETUP        alg                  -                       handle (u32)
 *   WARD_CRYPTO_KDF_INPUT_BYTES  handle, step         data                    -
 *   WARD_CRYPTO_KDF_INPUT_KEY    handle, step, key    -                       -
 *   WARD_CRYPTO_KDF_OUTPUT_BYTES handle               -                       bytes
 *   WARD_CRYPTO_KDF_OUTPUT_KEY   handle               attributes              key id (u32)
 *   WARD_CRYPTO_KDF_ABORT        handle               -                       -
 *   WARD_CRYPTO_KDF_GET_CAPACITY handle               -                       capacity (u64)
 *   WARD_CRYPTO_KDF_SET_CAPACITY handle, capacity     -                       -
 *   WARD_CRYPTO_KDF_KEY_AGREEMENT handle, step, key   peer public key         -
 *   WARD_CRYPTO_KDF_INPUT_INTEGER handle, step, capacity=value -              -
 *   WARD_CRYPTO_KDF_VERIFY_BYTES handle               expected                -
 *   WARD_CRYPTO_KDF_VERIFY_KEY   handle, key          -                       -
 *   WARD_CRYPTO_KDF_OUTPUT_KEY_CUSTOM handle          attributes, custom, data key id (u32)
 *
 * A *_FINISH, *_VERIFY, *_ABORT (and a *_COMPLETE that does not answer PSA_OPERATION_INCOMPLETE)
 * ends the operation on the secure side whatever its outcome; the handle is then stale. An error
 * in any other step leaves the operation the caller's until it aborts it (PSA: the operation is in
 * an error state).
 *
 * Plain C; both sides run on the same CPU, so fields are in its byte order. */
#ifndef WARD_SECURE_CRYPTO_WIRE_H
#define WARD_SECURE_CRYPTO_WIRE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* clang-format off */
#define WARD_CRYPTO_INIT                 (1)
#define WARD_CRYPTO_GENERATE_RANDOM      (2)
#define WARD_CRYPTO_IMPORT_KEY           (10)
#define WARD_CRYPTO_GENERATE_KEY         (11)
#define WARD_CRYPTO_EXPORT_KEY           (12)
#define WARD_CRYPTO_EXPORT_PUBLIC_KEY    (13)
#define WARD_CRYPTO_DESTROY_KEY          (14)
#define WARD_CRYPTO_PURGE_KEY            (15)
#define WARD_CRYPTO_GET_KEY_ATTRIBUTES   (16)
#define WARD_CRYPTO_COPY_KEY             (17)
#define WARD_CRYPTO_GENERATE_KEY_CUSTOM  (18)
#define WARD_CRYPTO_HASH_COMPUTE         (20)
#define WARD_CRYPTO_HASH_COMPARE         (21)
#define WARD_CRYPTO_HASH_SETUP           (22)
#define WARD_CRYPTO_HASH_UPDATE          (23)
#define WARD_CRYPTO_HASH_FINISH          (24)
#define WARD_CRYPTO_HASH_VERIFY          (25)
#define WARD_CRYPTO_HASH_ABORT           (26)
#define WARD_CRYPTO_HASH_CLONE           (27)
#define WARD_CRYPTO_MAC_COMPUTE          (30)
#define WARD_CRYPTO_MAC_VERIFY           (31)
#define WARD_CRYPTO_MAC_SIGN_SETUP       (32)
#define WARD_CRYPTO_MAC_VERIFY_SETUP     (33)
#define WARD_CRYPTO_MAC_UPDATE           (34)
#define WARD_CRYPTO_MAC_SIGN_FINISH      (35)
#define WARD_CRYPTO_MAC_VERIFY_FINISH    (36)
#define WARD_CRYPTO_MAC_ABORT            (37)
#define WARD_CRYPTO_AEAD_ENCRYPT         (40)
#define WARD_CRYPTO_AEAD_DECRYPT         (41)
#define WARD_CRYPTO_ASYMMETRIC_ENCRYPT   (45)
#define WARD_CRYPTO_ASYMMETRIC_DECRYPT   (46)
#define WARD_CRYPTO_SIGN_HASH            (50)
#define WARD_CRYPTO_VERIFY_HASH          (51)
#define WARD_CRYPTO_SIGN_MESSAGE         (52)
#define WARD_CRYPTO_VERIFY_MESSAGE       (53)
#define WARD_CRYPTO_RAW_KEY_AGREEMENT    (60)
#define WARD_CRYPTO_KDF_SETUP            (70)
#define WARD_CRYPTO_KDF_INPUT_BYTES      (71)
#define WARD_CRYPTO_KDF_INPUT_KEY        (72)
#define WARD_CRYPTO_KDF_OUTPUT_BYTES     (73)
#define WARD_CRYPTO_KDF_OUTPUT_KEY       (74)
#define WARD_CRYPTO_KDF_ABORT            (75)
#define WARD_CRYPTO_KDF_GET_CAPACITY     (76)
#define WARD_CRYPTO_KDF_SET_CAPACITY     (77)
#define WARD_CRYPTO_KDF_KEY_AGREEMENT    (78)
#define WARD_CRYPTO_KDF_INPUT_INTEGER    (79)
#define WARD_CRYPTO_KDF_VERIFY_BYTES     (68)
#define WARD_CRYPTO_KDF_VERIFY_KEY       (69)
#define WARD_CRYPTO_KDF_OUTPUT_KEY_CUSTOM (67)
#define WARD_CRYPTO_CIPHER_ENCRYPT       (80)
#define WARD_CRYPTO_CIPHER_DECRYPT       (81)
#define WARD_CRYPTO_CIPHER_ENCRYPT_SETUP (82)
#define WARD_CRYPTO_CIPHER_DECRYPT_SETUP (83)
#define WARD_CRYPTO_CIPHER_GENERATE_IV   (84)
#define WARD_CRYPTO_CIPHER_SET_IV        (85)
#define WARD_CRYPTO_CIPHER_UPDATE        (86)
#define WARD_CRYPTO_CIPHER_FINISH        (87)
#define WARD_CRYPTO_CIPHER_ABORT         (88)
#define WARD_CRYPTO_AEAD_ENCRYPT_SETUP   (90)
#define WARD_CRYPTO_AEAD_DECRYPT_SETUP   (91)
#define WARD_CRYPTO_AEAD_GENERATE_NONCE  (92)
#define WARD_CRYPTO_AEAD_SET_NONCE       (93)
#define WARD_CRYPTO_AEAD_SET_LENGTHS     (94)
#define WARD_CRYPTO_AEAD_UPDATE_AD       (95)
#define WARD_CRYPTO_AEAD_UPDATE          (96)
#define WARD_CRYPTO_AEAD_FINISH          (97)
#define WARD_CRYPTO_AEAD_VERIFY          (98)
#define WARD_CRYPTO_AEAD_ABORT           (99)
#define WARD_CRYPTO_SIGN_HASH_START      (100)
#define WARD_CRYPTO_SIGN_HASH_COMPLETE   (101)
#define WARD_CRYPTO_SIGN_HASH_NUM_OPS    (102)
#define WARD_CRYPTO_SIGN_HASH_ABORT      (103)
#define WARD_CRYPTO_VERIFY_HASH_START    (104)
#define WARD_CRYPTO_VERIFY_HASH_COMPLETE (105)
#define WARD_CRYPTO_VERIFY_HASH_NUM_OPS  (106)
#define WARD_CRYPTO_VERIFY_HASH_ABORT    (107)
/* clang-format on */

/* in_vec[0] of every request. */
typedef struct ward_crypto_args {
  uint32_t key;      /* the caller's key id (psa_key_id_t) */
  uint32_t alg;      /* psa_algorithm_t */
  uint32_t handle;   /* operation handle from a *_SETUP */
  uint32_t step;     /* psa_key_derivation_step_t */
  uint64_t capacity; /* KDF_SET_CAPACITY; KDF_INPUT_INTEGER's value; *_COMPLETE's max ops */
} ward_crypto_args;

/* AEAD_SET_LENGTHS. */
typedef struct ward_crypto_aead_lengths {
  uint64_t ad;
  uint64_t plaintext;
} ward_crypto_aead_lengths;

/* psa_custom_key_parameters_t (GENERATE_KEY_CUSTOM, KDF_OUTPUT_KEY_CUSTOM). */
typedef struct ward_crypto_custom {
  uint32_t flags;
  uint32_t reserved; /* must be 0 */
} ward_crypto_custom;

/* Key ids for keys born in the secure world (e.g. the device's TLS key, ward/tls/device_identity.hpp):
 * in WARD_KEY_ID_GENERATED_MIN..MAX (the caller's namespace, as every key id) only GENERATE_KEY and
 * GENERATE_KEY_CUSTOM may create a key. IMPORT_KEY, COPY_KEY and the KDF outputs into them answer
 * PSA_ERROR_NOT_PERMITTED: their material was known outside, or made from something that was, and
 * PSA's attributes do not say how a key came to be. A key found there was generated inside. */
#define WARD_KEY_ID_GENERATED_MIN 0x00574B00u
#define WARD_KEY_ID_GENERATED_MAX 0x00574BFFu

/* Key attributes: the caller's view (a 32-bit key id; the owner is added by the secure side). */
typedef struct ward_crypto_key_attributes {
  uint32_t type;     /* psa_key_type_t (16 bits used) */
  uint32_t bits;     /* psa_key_bits_t (16 bits used) */
  uint32_t lifetime; /* psa_key_lifetime_t */
  uint32_t id;       /* psa_key_id_t; 0 for volatile keys */
  uint32_t usage;    /* psa_key_usage_t */
  uint32_t alg;      /* permitted algorithm */
  uint32_t alg2;     /* Mbed TLS's enrollment algorithm (0 when unused) */
  uint32_t reserved; /* must be 0 */
} ward_crypto_key_attributes;

#ifdef __cplusplus
static_assert(sizeof(ward_crypto_args) == 24, "wire layout");
static_assert(sizeof(ward_crypto_key_attributes) == 32, "wire layout");
static_assert(sizeof(ward_crypto_aead_lengths) == 16, "wire layout");
static_assert(sizeof(ward_crypto_custom) == 8, "wire layout");
}
#endif

#endif /* WARD_SECURE_CRYPTO_WIRE_H */
