// The non-secure PSA Crypto client: the standard psa_* functions of psa/crypto.h (client view,
// ward_client_mbedtls_config.h), each packing its arguments into vectors for WARD_SERVICE_CRYPTO
// (format: ward/secure/crypto_wire.h) and calling ward_psa_call. Nothing here is trusted by the
// secure side: this library only saves applications from building vectors by hand.
//
// Data longer than one call carries (ward/secure/call_limits.h) is chunked where the API allows it
// (hash update/compute/compare, random bytes, key-derivation output, and one-shot AEAD, which runs
// as a multi-part operation: TLS records); elsewhere the call is refused with
// PSA_ERROR_INVALID_ARGUMENT by the transport.
//
// Every function of the pinned Mbed TLS's psa/crypto.h is here (the _ext variants, which C++
// cannot declare, are in crypto_client_ext.c); tests/secure_crypto/api_coverage.py checks it. What
// the secure side's configuration leaves out answers PSA_ERROR_NOT_SUPPORTED at run time.
// Private access only to give psa_get_key_attributes' result a volatile key's id (the public
// setter would turn the lifetime persistent).
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include <psa/crypto.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>

#include <ward/secure/call.h>
#include <ward/secure/call_limits.h>
#include <ward/secure/crypto_wire.h>

namespace {

// The largest data vector that fits beside the args in one call.
constexpr std::size_t kChunk = WARD_PSA_CALL_MAX_IN - sizeof(ward_crypto_args);
constexpr std::size_t kOutChunk = WARD_PSA_CALL_MAX_OUT;

psa_status_t call(std::int32_t type, const ward_crypto_args& args, std::initializer_list<psa_invec> data = {},
                  psa_outvec* out = nullptr, std::size_t out_len = 0) {
  psa_invec in[PSA_MAX_IOVEC] = {};
  if (data.size() + 1 > PSA_MAX_IOVEC) {
    return PSA_ERROR_PROGRAMMER_ERROR;
  }
  in[0] = {&args, sizeof args};
  std::size_t n = 1;
  for (const auto& vec : data) {
    in[n++] = vec;
  }
  return ward_psa_call(WARD_SERVICE_CRYPTO, type, in, n, out, out_len);
}

ward_crypto_args with_key(psa_key_id_t key, psa_algorithm_t alg = 0) {
  ward_crypto_args args{};
  args.key = key;
  args.alg = alg;
  return args;
}

ward_crypto_args with_alg(psa_algorithm_t alg) { return with_key(0, alg); }

ward_crypto_args with_handle(std::uint32_t handle) {
  ward_crypto_args args{};
  args.handle = handle;
  return args;
}

ward_crypto_key_attributes to_wire(const psa_key_attributes_t* attributes) {
  ward_crypto_key_attributes w{};
  w.type = psa_get_key_type(attributes);
  w.bits = static_cast<std::uint32_t>(psa_get_key_bits(attributes));
  w.lifetime = psa_get_key_lifetime(attributes);
  w.id = psa_get_key_id(attributes);
  w.usage = psa_get_key_usage_flags(attributes);
  w.alg = psa_get_key_algorithm(attributes);
  w.alg2 = psa_get_key_enrollment_algorithm(attributes);
  return w;
}

// A request whose answer is one output buffer of variable length.
psa_status_t call_out(std::int32_t type, const ward_crypto_args& args, std::initializer_list<psa_invec> data,
                      void* output, std::size_t output_size, std::size_t* output_length) {
  if (output_length == nullptr) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  *output_length = 0;
  psa_outvec out[1] = {{output, output_size}};
  const psa_status_t status = call(type, args, data, out, 1);
  if (status == PSA_SUCCESS) {
    *output_length = out[0].len;
  }
  return status;
}

// The image hears of a key made or destroyed (ward/secure/call.h) from privileged thread code only:
// this library runs in its caller's mode, and a user thread's code may not reach the kernel's memory.
bool privileged_thread_mode() {
#if defined(__ARM_ARCH)
  std::uint32_t control = 0;
  std::uint32_t ipsr = 0;
  asm volatile("mrs %0, control" : "=r"(control));
  asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  return (control & 1u) == 0 && (ipsr & 0x1ffu) == 0;
#else
  return true;  // the host: one process
#endif
}

// A request whose answer is a key id.
psa_status_t call_key(std::int32_t type, const ward_crypto_args& args, std::initializer_list<psa_invec> data,
                      mbedtls_svc_key_id_t* key) {
  if (key == nullptr) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  *key = PSA_KEY_ID_NULL;
  std::uint32_t id = 0;
  psa_outvec out[1] = {{&id, sizeof id}};
  const psa_status_t status = call(type, args, data, out, 1);
  if (status == PSA_SUCCESS && out[0].len == sizeof id) {
    *key = id;
    if (privileged_thread_mode() && ward_psa_key_events != nullptr) {  // the mode first: a user thread may not read it
      ward_psa_key_events(id, 1);
    }
  } else if (status == PSA_SUCCESS) {
    return PSA_ERROR_COMMUNICATION_FAILURE;
  }
  return status;
}

psa_status_t setup(std::int32_t type, psa_algorithm_t alg, std::uint32_t* handle) {
  if (*handle != 0) {
    return PSA_ERROR_BAD_STATE;
  }
  std::uint32_t h = 0;
  psa_outvec out[1] = {{&h, sizeof h}};
  const psa_status_t status = call(type, with_alg(alg), {}, out, 1);
  if (status == PSA_SUCCESS) {
    *handle = h;
  }
  return status;
}

// Sets up a keyed operation (MAC, cipher, AEAD) on the secure side.
psa_status_t setup_keyed(std::int32_t type, psa_key_id_t key, psa_algorithm_t alg, std::uint32_t* handle) {
  if (*handle != 0) {
    return PSA_ERROR_BAD_STATE;
  }
  std::uint32_t h = 0;
  psa_outvec out[1] = {{&h, sizeof h}};
  const psa_status_t status = call(type, with_key(key, alg), {}, out, 1);
  if (status == PSA_SUCCESS) {
    *handle = h;
  }
  return status;
}

// A step that ends the operation on the secure side whatever its outcome (crypto_wire.h): the
// client forgets the handle too.
psa_status_t ending(std::uint32_t* handle, psa_status_t status) {
  *handle = 0;
  return status;
}

psa_status_t abort_op(std::int32_t type, std::uint32_t* handle) {
  if (*handle == 0) {
    return PSA_SUCCESS;  // aborting an inactive operation is allowed
  }
  return ending(handle, call(type, with_handle(*handle)));
}

// The budget of interruptible operations (psa_interruptible_set_max_ops). Kept here, per image,
// and sent with every *_complete: Mbed TLS's own is one global of the secure side, shared by all
// clients, so no client may set it for the others.
std::uint32_t g_max_ops = PSA_INTERRUPTIBLE_MAX_OPS_UNLIMITED;

ward_crypto_args with_max_ops(std::uint32_t handle) {
  ward_crypto_args args = with_handle(handle);
  args.capacity = g_max_ops;
  return args;
}


// --- One-shot AEAD larger than one call ------------------------------------------------------------
// A TLS peer may send 16 KiB records (docs/networking.md, "TLS"); one call carries 4 KiB. Such a
// one-shot psa_aead_encrypt/decrypt runs as the multi-part operation it is equivalent to, in
// pieces of at most kAeadPiece bytes. Decrypted bytes are written before the tag is checked (the
// secure side checks it at the end): on any failure the whole output is wiped, so a caller never
// sees unauthenticated plaintext, as with the one-shot call.

constexpr std::size_t kAeadPiece = 2048;  // input and output of one update fit one call each

struct Bytes {
  const uint8_t* data;
  std::size_t size;
};
struct Buffer {
  uint8_t* data;
  std::size_t size;
};

bool aead_fits_one_call(std::size_t nonce, std::size_t ad, std::size_t input, std::size_t output) {
  const std::size_t room = kChunk;  // after the args
  return nonce <= room && ad <= room - nonce && input <= room - nonce - ad && output <= kOutChunk;
}

void wipe(Buffer out) {
  volatile uint8_t* p = out.data;
  for (std::size_t i = 0; i < out.size; ++i) {
    p[i] = 0;
  }
}

// Runs the updates of `input` into `out`; returns the bytes written.
psa_status_t aead_update_in_pieces(psa_aead_operation_t* op, Bytes input, Buffer out, std::size_t* written) {
  *written = 0;
  for (std::size_t done = 0; done < input.size;) {
    const std::size_t n = input.size - done < kAeadPiece ? input.size - done : kAeadPiece;
    std::size_t produced = 0;
    const psa_status_t status =
        psa_aead_update(op, input.data + done, n, out.data + *written, out.size - *written, &produced);
    if (status != PSA_SUCCESS) {
      return status;
    }
    done += n;
    *written += produced;
  }
  return PSA_SUCCESS;
}

psa_status_t aead_start(psa_aead_operation_t* op, bool encrypt, mbedtls_svc_key_id_t key, psa_algorithm_t alg,
                        Bytes nonce, Bytes ad, std::size_t plaintext_length) {
  psa_status_t status = encrypt ? psa_aead_encrypt_setup(op, key, alg) : psa_aead_decrypt_setup(op, key, alg);
  if (status == PSA_SUCCESS) {
    status = psa_aead_set_lengths(op, ad.size, plaintext_length);  // CCM needs them; GCM, ChaCha20 accept them
  }
  if (status == PSA_SUCCESS) {
    status = psa_aead_set_nonce(op, nonce.data, nonce.size);
  }
  if (status == PSA_SUCCESS && ad.size != 0) {
    status = psa_aead_update_ad(op, ad.data, ad.size);
  }
  return status;
}

psa_status_t aead_encrypt_in_pieces(mbedtls_svc_key_id_t key, psa_algorithm_t alg, Bytes nonce, Bytes ad,
                                    Bytes plaintext, Buffer out, size_t* out_length) {
  if (out_length == nullptr || (out.data == nullptr && out.size != 0)) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  *out_length = 0;
  const std::size_t tag_length = PSA_ALG_AEAD_GET_TAG_LENGTH(alg);
  if (tag_length == 0 || tag_length > PSA_AEAD_TAG_MAX_SIZE) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  if (out.size < tag_length || out.size - tag_length < plaintext.size) {
    return PSA_ERROR_BUFFER_TOO_SMALL;
  }
  psa_aead_operation_t op = PSA_AEAD_OPERATION_INIT;
  psa_status_t status = aead_start(&op, true, key, alg, nonce, ad, plaintext.size);
  std::size_t written = 0;
  if (status == PSA_SUCCESS) {
    status = aead_update_in_pieces(&op, plaintext, {out.data, out.size - tag_length}, &written);
  }
  uint8_t tag[PSA_AEAD_TAG_MAX_SIZE] = {};
  std::size_t last = 0;
  std::size_t tag_written = 0;
  if (status == PSA_SUCCESS) {
    status = psa_aead_finish(&op, out.data + written, out.size - tag_length - written, &last, tag, sizeof tag,
                             &tag_written);
  }
  if (status == PSA_SUCCESS && (tag_written != tag_length || written + last != plaintext.size)) {
    status = PSA_ERROR_CORRUPTION_DETECTED;
  }
  if (status != PSA_SUCCESS) {
    (void)psa_aead_abort(&op);
    wipe(out);
    return status;
  }
  std::memcpy(out.data + written + last, tag, tag_length);
  *out_length = plaintext.size + tag_length;
  return PSA_SUCCESS;
}

psa_status_t aead_decrypt_in_pieces(mbedtls_svc_key_id_t key, psa_algorithm_t alg, Bytes nonce, Bytes ad,
                                    Bytes ciphertext, Buffer out, size_t* out_length) {
  if (out_length == nullptr || (out.data == nullptr && out.size != 0)) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  *out_length = 0;
  const std::size_t tag_length = PSA_ALG_AEAD_GET_TAG_LENGTH(alg);
  if (tag_length == 0 || ciphertext.size < tag_length) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  const std::size_t plaintext_length = ciphertext.size - tag_length;
  if (out.size < plaintext_length) {
    return PSA_ERROR_BUFFER_TOO_SMALL;
  }
  psa_aead_operation_t op = PSA_AEAD_OPERATION_INIT;
  psa_status_t status = aead_start(&op, false, key, alg, nonce, ad, plaintext_length);
  std::size_t written = 0;
  if (status == PSA_SUCCESS) {
    status = aead_update_in_pieces(&op, {ciphertext.data, plaintext_length}, out, &written);
  }
  std::size_t last = 0;
  if (status == PSA_SUCCESS) {
    status = psa_aead_verify(&op, out.data + written, out.size - written, &last, ciphertext.data + plaintext_length,
                             tag_length);
  }
  if (status == PSA_SUCCESS && written + last != plaintext_length) {
    status = PSA_ERROR_CORRUPTION_DETECTED;
  }
  if (status != PSA_SUCCESS) {
    (void)psa_aead_abort(&op);
    wipe(out);
    return status;
  }
  *out_length = plaintext_length;
  return PSA_SUCCESS;
}

}  // namespace

extern "C" {

// No one by default (ward/secure/call.h); lib/tls's Client sets its own.
ward_psa_key_observer ward_psa_key_events = nullptr;

psa_status_t psa_crypto_init(void) { return call(WARD_CRYPTO_INIT, ward_crypto_args{}); }

psa_status_t psa_generate_random(uint8_t* output, size_t output_size) {
  for (std::size_t done = 0; done < output_size;) {
    const std::size_t n = output_size - done < kOutChunk ? output_size - done : kOutChunk;
    psa_outvec out[1] = {{output + done, n}};
    const psa_status_t status = call(WARD_CRYPTO_GENERATE_RANDOM, ward_crypto_args{}, {}, out, 1);
    if (status != PSA_SUCCESS) {
      return status;
    }
    done += n;
  }
  return PSA_SUCCESS;
}

// --- Keys ----------------------------------------------------------------------------------------

psa_status_t psa_import_key(const psa_key_attributes_t* attributes, const uint8_t* data, size_t data_length,
                            mbedtls_svc_key_id_t* key) {
  if (attributes == nullptr) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  const ward_crypto_key_attributes w = to_wire(attributes);
  return call_key(WARD_CRYPTO_IMPORT_KEY, ward_crypto_args{}, {{&w, sizeof w}, {data, data_length}}, key);
}

psa_status_t psa_generate_key(const psa_key_attributes_t* attributes, mbedtls_svc_key_id_t* key) {
  if (attributes == nullptr) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  const ward_crypto_key_attributes w = to_wire(attributes);
  return call_key(WARD_CRYPTO_GENERATE_KEY, ward_crypto_args{}, {{&w, sizeof w}}, key);
}

psa_status_t psa_export_key(mbedtls_svc_key_id_t key, uint8_t* data, size_t data_size, size_t* data_length) {
  return call_out(WARD_CRYPTO_EXPORT_KEY, with_key(key), {}, data, data_size, data_length);
}

psa_status_t psa_export_public_key(mbedtls_svc_key_id_t key, uint8_t* data, size_t data_size, size_t* data_length) {
  return call_out(WARD_CRYPTO_EXPORT_PUBLIC_KEY, with_key(key), {}, data, data_size, data_length);
}

psa_status_t psa_destroy_key(mbedtls_svc_key_id_t key) {
  // Destroying the null key is a no-op that succeeds (PSA Crypto API).
  if (key == PSA_KEY_ID_NULL) {
    return PSA_SUCCESS;
  }
  const psa_status_t status = call(WARD_CRYPTO_DESTROY_KEY, with_key(key));
  if (status == PSA_SUCCESS && privileged_thread_mode() && ward_psa_key_events != nullptr) {
    ward_psa_key_events(key, 0);
  }
  return status;
}

psa_status_t psa_purge_key(mbedtls_svc_key_id_t key) { return call(WARD_CRYPTO_PURGE_KEY, with_key(key)); }

psa_status_t psa_get_key_attributes(mbedtls_svc_key_id_t key, psa_key_attributes_t* attributes) {
  if (attributes == nullptr) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  ward_crypto_key_attributes w{};
  psa_outvec out[1] = {{&w, sizeof w}};
  *attributes = psa_key_attributes_init();
  const psa_status_t status = call(WARD_CRYPTO_GET_KEY_ATTRIBUTES, with_key(key), {}, out, 1);
  if (status != PSA_SUCCESS) {
    return status;
  }
  if (out[0].len != sizeof w) {
    return PSA_ERROR_COMMUNICATION_FAILURE;
  }
  psa_set_key_lifetime(attributes, w.lifetime);
  attributes->MBEDTLS_PRIVATE(id) = w.id;
  psa_set_key_type(attributes, static_cast<psa_key_type_t>(w.type));
  psa_set_key_bits(attributes, w.bits);
  psa_set_key_usage_flags(attributes, w.usage);
  psa_set_key_algorithm(attributes, w.alg);
  psa_set_key_enrollment_algorithm(attributes, w.alg2);
  return PSA_SUCCESS;
}

psa_status_t psa_copy_key(mbedtls_svc_key_id_t source_key, const psa_key_attributes_t* attributes,
                          mbedtls_svc_key_id_t* target_key) {
  if (attributes == nullptr) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  const ward_crypto_key_attributes w = to_wire(attributes);
  return call_key(WARD_CRYPTO_COPY_KEY, with_key(source_key), {{&w, sizeof w}}, target_key);
}

psa_status_t psa_generate_key_custom(const psa_key_attributes_t* attributes, const psa_custom_key_parameters_t* custom,
                                     const uint8_t* custom_data, size_t custom_data_length, mbedtls_svc_key_id_t* key) {
  if (attributes == nullptr || custom == nullptr) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  const ward_crypto_key_attributes w = to_wire(attributes);
  const ward_crypto_custom c{custom->flags, 0};
  return call_key(WARD_CRYPTO_GENERATE_KEY_CUSTOM, ward_crypto_args{},
                  {{&w, sizeof w}, {&c, sizeof c}, {custom_data, custom_data_length}}, key);
}

// Client side only: the attributes live in the caller's memory, and no secure state hangs off them.
void psa_reset_key_attributes(psa_key_attributes_t* attributes) { *attributes = psa_key_attributes_init(); }

// --- Hashes --------------------------------------------------------------------------------------

psa_status_t psa_hash_setup(psa_hash_operation_t* operation, psa_algorithm_t alg) {
  return setup(WARD_CRYPTO_HASH_SETUP, alg, &operation->handle);
}

psa_status_t psa_hash_update(psa_hash_operation_t* operation, const uint8_t* input, size_t input_length) {
  if (operation->handle == 0) {
    return PSA_ERROR_BAD_STATE;
  }
  std::size_t done = 0;
  do {
    const std::size_t n = input_length - done < kChunk ? input_length - done : kChunk;
    const psa_status_t status = call(WARD_CRYPTO_HASH_UPDATE, with_handle(operation->handle), {{input + done, n}});
    if (status != PSA_SUCCESS) {
      return status;
    }
    done += n;
  } while (done < input_length);
  return PSA_SUCCESS;
}

psa_status_t psa_hash_finish(psa_hash_operation_t* operation, uint8_t* hash, size_t hash_size, size_t* hash_length) {
  if (operation->handle == 0) {
    return PSA_ERROR_BAD_STATE;
  }
  const psa_status_t status =
      call_out(WARD_CRYPTO_HASH_FINISH, with_handle(operation->handle), {}, hash, hash_size, hash_length);
  operation->handle = 0;  // the secure side ended the operation, whatever the outcome
  return status;
}

psa_status_t psa_hash_verify(psa_hash_operation_t* operation, const uint8_t* hash, size_t hash_length) {
  if (operation->handle == 0) {
    return PSA_ERROR_BAD_STATE;
  }
  const psa_status_t status = call(WARD_CRYPTO_HASH_VERIFY, with_handle(operation->handle), {{hash, hash_length}});
  operation->handle = 0;
  return status;
}

psa_status_t psa_hash_abort(psa_hash_operation_t* operation) {
  if (operation->handle == 0) {
    return PSA_SUCCESS;  // aborting an inactive operation is allowed
  }
  const psa_status_t status = call(WARD_CRYPTO_HASH_ABORT, with_handle(operation->handle));
  operation->handle = 0;
  return status;
}

psa_status_t psa_hash_clone(const psa_hash_operation_t* source_operation, psa_hash_operation_t* target_operation) {
  if (source_operation->handle == 0) {
    return PSA_ERROR_BAD_STATE;
  }
  if (target_operation->handle != 0) {
    return PSA_ERROR_BAD_STATE;
  }
  std::uint32_t h = 0;
  psa_outvec out[1] = {{&h, sizeof h}};
  const psa_status_t status = call(WARD_CRYPTO_HASH_CLONE, with_handle(source_operation->handle), {}, out, 1);
  if (status == PSA_SUCCESS) {
    target_operation->handle = h;
  }
  return status;
}

psa_status_t psa_hash_compute(psa_algorithm_t alg, const uint8_t* input, size_t input_length, uint8_t* hash,
                              size_t hash_size, size_t* hash_length) {
  if (input_length <= kChunk) {
    return call_out(WARD_CRYPTO_HASH_COMPUTE, with_alg(alg), {{input, input_length}}, hash, hash_size, hash_length);
  }
  if (hash_length == nullptr) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  *hash_length = 0;
  psa_hash_operation_t op = PSA_HASH_OPERATION_INIT;
  psa_status_t status = psa_hash_setup(&op, alg);
  if (status == PSA_SUCCESS) {
    status = psa_hash_update(&op, input, input_length);
  }
  if (status == PSA_SUCCESS) {
    return psa_hash_finish(&op, hash, hash_size, hash_length);
  }
  (void)psa_hash_abort(&op);
  return status;
}

psa_status_t psa_hash_compare(psa_algorithm_t alg, const uint8_t* input, size_t input_length, const uint8_t* hash,
                              size_t hash_length) {
  if (hash_length <= kChunk && input_length <= kChunk - hash_length) {
    return call(WARD_CRYPTO_HASH_COMPARE, with_alg(alg), {{input, input_length}, {hash, hash_length}});
  }
  psa_hash_operation_t op = PSA_HASH_OPERATION_INIT;
  psa_status_t status = psa_hash_setup(&op, alg);
  if (status == PSA_SUCCESS) {
    status = psa_hash_update(&op, input, input_length);
  }
  if (status == PSA_SUCCESS) {
    return psa_hash_verify(&op, hash, hash_length);
  }
  (void)psa_hash_abort(&op);
  return status;
}

// --- MAC, AEAD, signatures, key agreement --------------------------------------------------------

psa_status_t psa_mac_compute(mbedtls_svc_key_id_t key, psa_algorithm_t alg, const uint8_t* input, size_t input_length,
                             uint8_t* mac, size_t mac_size, size_t* mac_length) {
  return call_out(WARD_CRYPTO_MAC_COMPUTE, with_key(key, alg), {{input, input_length}}, mac, mac_size, mac_length);
}

psa_status_t psa_mac_verify(mbedtls_svc_key_id_t key, psa_algorithm_t alg, const uint8_t* input, size_t input_length,
                            const uint8_t* mac, size_t mac_length) {
  return call(WARD_CRYPTO_MAC_VERIFY, with_key(key, alg), {{input, input_length}, {mac, mac_length}});
}

psa_status_t psa_mac_sign_setup(psa_mac_operation_t* operation, mbedtls_svc_key_id_t key, psa_algorithm_t alg) {
  return setup_keyed(WARD_CRYPTO_MAC_SIGN_SETUP, key, alg, &operation->handle);
}

psa_status_t psa_mac_verify_setup(psa_mac_operation_t* operation, mbedtls_svc_key_id_t key, psa_algorithm_t alg) {
  return setup_keyed(WARD_CRYPTO_MAC_VERIFY_SETUP, key, alg, &operation->handle);
}

psa_status_t psa_mac_update(psa_mac_operation_t* operation, const uint8_t* input, size_t input_length) {
  if (operation->handle == 0) {
    return PSA_ERROR_BAD_STATE;
  }
  std::size_t done = 0;
  do {
    const std::size_t n = input_length - done < kChunk ? input_length - done : kChunk;
    const psa_status_t status = call(WARD_CRYPTO_MAC_UPDATE, with_handle(operation->handle), {{input + done, n}});
    if (status != PSA_SUCCESS) {
      return status;
    }
    done += n;
  } while (done < input_length);
  return PSA_SUCCESS;
}

psa_status_t psa_mac_sign_finish(psa_mac_operation_t* operation, uint8_t* mac, size_t mac_size, size_t* mac_length) {
  if (operation->handle == 0) {
    return PSA_ERROR_BAD_STATE;
  }
  return ending(&operation->handle,
                call_out(WARD_CRYPTO_MAC_SIGN_FINISH, with_handle(operation->handle), {}, mac, mac_size, mac_length));
}

psa_status_t psa_mac_verify_finish(psa_mac_operation_t* operation, const uint8_t* mac, size_t mac_length) {
  if (operation->handle == 0) {
    return PSA_ERROR_BAD_STATE;
  }
  return ending(&operation->handle,
                call(WARD_CRYPTO_MAC_VERIFY_FINISH, with_handle(operation->handle), {{mac, mac_length}}));
}

psa_status_t psa_mac_abort(psa_mac_operation_t* operation) { return abort_op(WARD_CRYPTO_MAC_ABORT, &operation->handle); }

// --- Unauthenticated ciphers ---------------------------------------------------------------------

psa_status_t psa_cipher_encrypt(mbedtls_svc_key_id_t key, psa_algorithm_t alg, const uint8_t* input,
                                size_t input_length, uint8_t* output, size_t output_size, size_t* output_length) {
  return call_out(WARD_CRYPTO_CIPHER_ENCRYPT, with_key(key, alg), {{input, input_length}}, output, output_size,
                  output_length);
}

psa_status_t psa_cipher_decrypt(mbedtls_svc_key_id_t key, psa_algorithm_t alg, const uint8_t* input,
                                size_t input_length, uint8_t* output, size_t output_size, size_t* output_length) {
  return call_out(WARD_CRYPTO_CIPHER_DECRYPT, with_key(key, alg), {{input, input_length}}, output, output_size,
                  output_length);
}

psa_status_t psa_cipher_encrypt_setup(psa_cipher_operation_t* operation, mbedtls_svc_key_id_t key,
                                      psa_algorithm_t alg) {
  return setup_keyed(WARD_CRYPTO_CIPHER_ENCRYPT_SETUP, key, alg, &operation->handle);
}

psa_status_t psa_cipher_decrypt_setup(psa_cipher_operation_t* operation, mbedtls_svc_key_id_t key,
                                      psa_algorithm_t alg) {
  return setup_keyed(WARD_CRYPTO_CIPHER_DECRYPT_SETUP, key, alg, &operation->handle);
}

psa_status_t psa_cipher_generate_iv(psa_cipher_operation_t* operation, uint8_t* iv, size_t iv_size,
                                    size_t* iv_length) {
  if (operation->handle == 0) {
    return PSA_ERROR_BAD_STATE;
  }
  return call_out(WARD_CRYPTO_CIPHER_GENERATE_IV, with_handle(operation->handle), {}, iv, iv_size, iv_length);
}

psa_status_t psa_cipher_set_iv(psa_cipher_operation_t* operation, const uint8_t* iv, size_t iv_length) {
  if (operation->handle == 0) {
    return PSA_ERROR_BAD_STATE;
  }
  return call(WARD_CRYPTO_CIPHER_SET_IV, with_handle(operation->handle), {{iv, iv_length}});
}

// One call per update: its output is the input's length plus at most a block, so chunking would
// need to know the cipher; an input beyond one call is refused by the transport.
psa_status_t psa_cipher_update(psa_cipher_operation_t* operation, const uint8_t* input, size_t input_length,
                               uint8_t* output, size_t output_size, size_t* output_length) {
  if (operation->handle == 0) {
    return PSA_ERROR_BAD_STATE;
  }
  return call_out(WARD_CRYPTO_CIPHER_UPDATE, with_handle(operation->handle), {{input, input_length}}, output,
                  output_size, output_length);
}

psa_status_t psa_cipher_finish(psa_cipher_operation_t* operation, uint8_t* output, size_t output_size,
                               size_t* output_length) {
  if (operation->handle == 0) {
    return PSA_ERROR_BAD_STATE;
  }
  return ending(&operation->handle, call_out(WARD_CRYPTO_CIPHER_FINISH, with_handle(operation->handle), {}, output,
                                             output_size, output_length));
}

psa_status_t psa_cipher_abort(psa_cipher_operation_t* operation) {
  return abort_op(WARD_CRYPTO_CIPHER_ABORT, &operation->handle);
}

// --- AEAD ----------------------------------------------------------------------------------------

psa_status_t psa_aead_encrypt(mbedtls_svc_key_id_t key, psa_algorithm_t alg, const uint8_t* nonce, size_t nonce_length,
                              const uint8_t* additional_data, size_t additional_data_length, const uint8_t* plaintext,
                              size_t plaintext_length, uint8_t* ciphertext, size_t ciphertext_size,
                              size_t* ciphertext_length) {
  if (!aead_fits_one_call(nonce_length, additional_data_length, plaintext_length,
                          plaintext_length + PSA_ALG_AEAD_GET_TAG_LENGTH(alg))) {
    return aead_encrypt_in_pieces(key, alg, {nonce, nonce_length}, {additional_data, additional_data_length},
                                  {plaintext, plaintext_length}, {ciphertext, ciphertext_size}, ciphertext_length);
  }
  return call_out(WARD_CRYPTO_AEAD_ENCRYPT, with_key(key, alg),
                  {{nonce, nonce_length}, {additional_data, additional_data_length}, {plaintext, plaintext_length}},
                  ciphertext, ciphertext_size, ciphertext_length);
}

psa_status_t psa_aead_decrypt(mbedtls_svc_key_id_t key, psa_algorithm_t alg, const uint8_t* nonce, size_t nonce_length,
                              const uint8_t* additional_data, size_t additional_data_length, const uint8_t* ciphertext,
                              size_t ciphertext_length, uint8_t* plaintext, size_t plaintext_size,
                              size_t* plaintext_length) {
  if (!aead_fits_one_call(nonce_length, additional_data_length, ciphertext_length, ciphertext_length)) {
    return aead_decrypt_in_pieces(key, alg, {nonce, nonce_length}, {additional_data, additional_data_length},
                                  {ciphertext, ciphertext_length}, {plaintext, plaintext_size}, plaintext_length);
  }
  return call_out(WARD_CRYPTO_AEAD_DECRYPT, with_key(key, alg),
                  {{nonce, nonce_length}, {additional_data, additional_data_length}, {ciphertext, ciphertext_length}},
                  plaintext, plaintext_size, plaintext_length);
}

psa_status_t psa_aead_encrypt_setup(psa_aead_operation_t* operation, mbedtls_svc_key_id_t key, psa_algorithm_t alg) {
  return setup_keyed(WARD_CRYPTO_AEAD_ENCRYPT_SETUP, key, alg, &operation->handle);
}

psa_status_t psa_aead_decrypt_setup(psa_aead_operation_t* operation, mbedtls_svc_key_id_t key, psa_algorithm_t alg) {
  return setup_keyed(WARD_CRYPTO_AEAD_DECRYPT_SETUP, key, alg, &operation->handle);
}

psa_status_t psa_aead_generate_nonce(psa_aead_operation_t* operation, uint8_t* nonce, size_t nonce_size,
                                     size_t* nonce_length) {
  if (operation->handle == 0) {
    return PSA_ERROR_BAD_STATE;
  }
  return call_out(WARD_CRYPTO_AEAD_GENERATE_NONCE, with_handle(operation->handle), {}, nonce, nonce_size,
                  nonce_length);
}

psa_status_t psa_aead_set_nonce(psa_aead_operation_t* operation, const uint8_t* nonce, size_t nonce_length) {
  if (operation->handle == 0) {
    return PSA_ERROR_BAD_STATE;
  }
  return call(WARD_CRYPTO_AEAD_SET_NONCE, with_handle(operation->handle), {{nonce, nonce_length}});
}

psa_status_t psa_aead_set_lengths(psa_aead_operation_t* operation, size_t ad_length, size_t plaintext_length) {
  if (operation->handle == 0) {
    return PSA_ERROR_BAD_STATE;
  }
  const ward_crypto_aead_lengths lengths{ad_length, plaintext_length};
  return call(WARD_CRYPTO_AEAD_SET_LENGTHS, with_handle(operation->handle), {{&lengths, sizeof lengths}});
}

psa_status_t psa_aead_update_ad(psa_aead_operation_t* operation, const uint8_t* input, size_t input_length) {
  if (operation->handle == 0) {
    return PSA_ERROR_BAD_STATE;
  }
  std::size_t done = 0;
  do {
    const std::size_t n = input_length - done < kChunk ? input_length - done : kChunk;
    const psa_status_t status = call(WARD_CRYPTO_AEAD_UPDATE_AD, with_handle(operation->handle), {{input + done, n}});
    if (status != PSA_SUCCESS) {
      return status;
    }
    done += n;
  } while (done < input_length);
  return PSA_SUCCESS;
}

psa_status_t psa_aead_update(psa_aead_operation_t* operation, const uint8_t* input, size_t input_length,
                             uint8_t* output, size_t output_size, size_t* output_length) {
  if (operation->handle == 0) {
    return PSA_ERROR_BAD_STATE;
  }
  return call_out(WARD_CRYPTO_AEAD_UPDATE, with_handle(operation->handle), {{input, input_length}}, output,
                  output_size, output_length);
}

psa_status_t psa_aead_finish(psa_aead_operation_t* operation, uint8_t* ciphertext, size_t ciphertext_size,
                             size_t* ciphertext_length, uint8_t* tag, size_t tag_size, size_t* tag_length) {
  if (operation->handle == 0) {
    return PSA_ERROR_BAD_STATE;
  }
  if (ciphertext_length == nullptr || tag_length == nullptr) {
    return ending(&operation->handle, psa_aead_abort(operation));
  }
  *ciphertext_length = 0;
  *tag_length = 0;
  psa_outvec out[2] = {{ciphertext, ciphertext_size}, {tag, tag_size}};
  const psa_status_t status = call(WARD_CRYPTO_AEAD_FINISH, with_handle(operation->handle), {}, out, 2);
  if (status == PSA_SUCCESS) {
    *ciphertext_length = out[0].len;
    *tag_length = out[1].len;
  }
  return ending(&operation->handle, status);
}

psa_status_t psa_aead_verify(psa_aead_operation_t* operation, uint8_t* plaintext, size_t plaintext_size,
                             size_t* plaintext_length, const uint8_t* tag, size_t tag_length) {
  if (operation->handle == 0) {
    return PSA_ERROR_BAD_STATE;
  }
  return ending(&operation->handle, call_out(WARD_CRYPTO_AEAD_VERIFY, with_handle(operation->handle),
                                             {{tag, tag_length}}, plaintext, plaintext_size, plaintext_length));
}

psa_status_t psa_aead_abort(psa_aead_operation_t* operation) {
  return abort_op(WARD_CRYPTO_AEAD_ABORT, &operation->handle);
}

// --- Asymmetric encryption -----------------------------------------------------------------------

psa_status_t psa_asymmetric_encrypt(mbedtls_svc_key_id_t key, psa_algorithm_t alg, const uint8_t* input,
                                    size_t input_length, const uint8_t* salt, size_t salt_length, uint8_t* output,
                                    size_t output_size, size_t* output_length) {
  return call_out(WARD_CRYPTO_ASYMMETRIC_ENCRYPT, with_key(key, alg), {{input, input_length}, {salt, salt_length}},
                  output, output_size, output_length);
}

psa_status_t psa_asymmetric_decrypt(mbedtls_svc_key_id_t key, psa_algorithm_t alg, const uint8_t* input,
                                    size_t input_length, const uint8_t* salt, size_t salt_length, uint8_t* output,
                                    size_t output_size, size_t* output_length) {
  return call_out(WARD_CRYPTO_ASYMMETRIC_DECRYPT, with_key(key, alg), {{input, input_length}, {salt, salt_length}},
                  output, output_size, output_length);
}

// --- Signatures ----------------------------------------------------------------------------------

psa_status_t psa_sign_hash(mbedtls_svc_key_id_t key, psa_algorithm_t alg, const uint8_t* hash, size_t hash_length,
                           uint8_t* signature, size_t signature_size, size_t* signature_length) {
  return call_out(WARD_CRYPTO_SIGN_HASH, with_key(key, alg), {{hash, hash_length}}, signature, signature_size,
                  signature_length);
}

psa_status_t psa_verify_hash(mbedtls_svc_key_id_t key, psa_algorithm_t alg, const uint8_t* hash, size_t hash_length,
                             const uint8_t* signature, size_t signature_length) {
  return call(WARD_CRYPTO_VERIFY_HASH, with_key(key, alg), {{hash, hash_length}, {signature, signature_length}});
}

psa_status_t psa_sign_message(mbedtls_svc_key_id_t key, psa_algorithm_t alg, const uint8_t* input, size_t input_length,
                              uint8_t* signature, size_t signature_size, size_t* signature_length) {
  return call_out(WARD_CRYPTO_SIGN_MESSAGE, with_key(key, alg), {{input, input_length}}, signature, signature_size,
                  signature_length);
}

psa_status_t psa_verify_message(mbedtls_svc_key_id_t key, psa_algorithm_t alg, const uint8_t* input,
                                size_t input_length, const uint8_t* signature, size_t signature_length) {
  return call(WARD_CRYPTO_VERIFY_MESSAGE, with_key(key, alg), {{input, input_length}, {signature, signature_length}});
}

// --- Interruptible signatures --------------------------------------------------------------------

void psa_interruptible_set_max_ops(uint32_t max_ops) { g_max_ops = max_ops; }

uint32_t psa_interruptible_get_max_ops(void) { return g_max_ops; }

namespace {
std::uint32_t num_ops(std::int32_t type, std::uint32_t handle) {
  if (handle == 0) {
    return 0;
  }
  std::uint32_t ops = 0;
  psa_outvec out[1] = {{&ops, sizeof ops}};
  return call(type, with_handle(handle), {}, out, 1) == PSA_SUCCESS && out[0].len == sizeof ops ? ops : 0;
}
}  // namespace

uint32_t psa_sign_hash_get_num_ops(const psa_sign_hash_interruptible_operation_t* operation) {
  return num_ops(WARD_CRYPTO_SIGN_HASH_NUM_OPS, operation->handle);
}

uint32_t psa_verify_hash_get_num_ops(const psa_verify_hash_interruptible_operation_t* operation) {
  return num_ops(WARD_CRYPTO_VERIFY_HASH_NUM_OPS, operation->handle);
}

psa_status_t psa_sign_hash_start(psa_sign_hash_interruptible_operation_t* operation, mbedtls_svc_key_id_t key,
                                 psa_algorithm_t alg, const uint8_t* hash, size_t hash_length) {
  if (operation->handle != 0) {
    return PSA_ERROR_BAD_STATE;
  }
  std::uint32_t h = 0;
  psa_outvec out[1] = {{&h, sizeof h}};
  const psa_status_t status = call(WARD_CRYPTO_SIGN_HASH_START, with_key(key, alg), {{hash, hash_length}}, out, 1);
  if (status == PSA_SUCCESS) {
    operation->handle = h;
  }
  return status;
}

psa_status_t psa_sign_hash_complete(psa_sign_hash_interruptible_operation_t* operation, uint8_t* signature,
                                    size_t signature_size, size_t* signature_length) {
  if (operation->handle == 0) {
    return PSA_ERROR_BAD_STATE;
  }
  const psa_status_t status = call_out(WARD_CRYPTO_SIGN_HASH_COMPLETE, with_max_ops(operation->handle), {},
                                       signature, signature_size, signature_length);
  return status == PSA_OPERATION_INCOMPLETE ? status : ending(&operation->handle, status);
}

psa_status_t psa_sign_hash_abort(psa_sign_hash_interruptible_operation_t* operation) {
  return abort_op(WARD_CRYPTO_SIGN_HASH_ABORT, &operation->handle);
}

psa_status_t psa_verify_hash_start(psa_verify_hash_interruptible_operation_t* operation, mbedtls_svc_key_id_t key,
                                   psa_algorithm_t alg, const uint8_t* hash, size_t hash_length,
                                   const uint8_t* signature, size_t signature_length) {
  if (operation->handle != 0) {
    return PSA_ERROR_BAD_STATE;
  }
  std::uint32_t h = 0;
  psa_outvec out[1] = {{&h, sizeof h}};
  const psa_status_t status = call(WARD_CRYPTO_VERIFY_HASH_START, with_key(key, alg),
                                   {{hash, hash_length}, {signature, signature_length}}, out, 1);
  if (status == PSA_SUCCESS) {
    operation->handle = h;
  }
  return status;
}

psa_status_t psa_verify_hash_complete(psa_verify_hash_interruptible_operation_t* operation) {
  if (operation->handle == 0) {
    return PSA_ERROR_BAD_STATE;
  }
  const psa_status_t status = call(WARD_CRYPTO_VERIFY_HASH_COMPLETE, with_max_ops(operation->handle));
  return status == PSA_OPERATION_INCOMPLETE ? status : ending(&operation->handle, status);
}

psa_status_t psa_verify_hash_abort(psa_verify_hash_interruptible_operation_t* operation) {
  return abort_op(WARD_CRYPTO_VERIFY_HASH_ABORT, &operation->handle);
}

// --- Key agreement -------------------------------------------------------------------------------

psa_status_t psa_raw_key_agreement(psa_algorithm_t alg, mbedtls_svc_key_id_t private_key, const uint8_t* peer_key,
                                   size_t peer_key_length, uint8_t* output, size_t output_size, size_t* output_length) {
  return call_out(WARD_CRYPTO_RAW_KEY_AGREEMENT, with_key(private_key, alg), {{peer_key, peer_key_length}}, output,
                  output_size, output_length);
}

// --- Key derivation ------------------------------------------------------------------------------

psa_status_t psa_key_derivation_setup(psa_key_derivation_operation_t* operation, psa_algorithm_t alg) {
  return setup(WARD_CRYPTO_KDF_SETUP, alg, &operation->handle);
}

psa_status_t psa_key_derivation_input_bytes(psa_key_derivation_operation_t* operation, psa_key_derivation_step_t step,
                                            const uint8_t* data, size_t data_length) {
  ward_crypto_args args = with_handle(operation->handle);
  args.step = step;
  return call(WARD_CRYPTO_KDF_INPUT_BYTES, args, {{data, data_length}});
}

psa_status_t psa_key_derivation_input_key(psa_key_derivation_operation_t* operation, psa_key_derivation_step_t step,
                                          mbedtls_svc_key_id_t key) {
  ward_crypto_args args = with_handle(operation->handle);
  args.step = step;
  args.key = key;
  return call(WARD_CRYPTO_KDF_INPUT_KEY, args);
}

psa_status_t psa_key_derivation_output_bytes(psa_key_derivation_operation_t* operation, uint8_t* output,
                                             size_t output_length) {
  std::size_t done = 0;
  do {
    const std::size_t n = output_length - done < kOutChunk ? output_length - done : kOutChunk;
    psa_outvec out[1] = {{output + done, n}};
    const psa_status_t status = call(WARD_CRYPTO_KDF_OUTPUT_BYTES, with_handle(operation->handle), {}, out, 1);
    if (status != PSA_SUCCESS) {
      return status;
    }
    done += n;
  } while (done < output_length);
  return PSA_SUCCESS;
}

psa_status_t psa_key_derivation_output_key(const psa_key_attributes_t* attributes,
                                           psa_key_derivation_operation_t* operation, mbedtls_svc_key_id_t* key) {
  if (attributes == nullptr) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  const ward_crypto_key_attributes w = to_wire(attributes);
  return call_key(WARD_CRYPTO_KDF_OUTPUT_KEY, with_handle(operation->handle), {{&w, sizeof w}}, key);
}

psa_status_t psa_key_derivation_get_capacity(const psa_key_derivation_operation_t* operation, size_t* capacity) {
  std::uint64_t value = 0;
  psa_outvec out[1] = {{&value, sizeof value}};
  const psa_status_t status = call(WARD_CRYPTO_KDF_GET_CAPACITY, with_handle(operation->handle), {}, out, 1);
  if (status == PSA_SUCCESS) {
    if (out[0].len != sizeof value || value > SIZE_MAX) {
      return PSA_ERROR_COMMUNICATION_FAILURE;
    }
    *capacity = static_cast<std::size_t>(value);
  }
  return status;
}

psa_status_t psa_key_derivation_set_capacity(psa_key_derivation_operation_t* operation, size_t capacity) {
  ward_crypto_args args = with_handle(operation->handle);
  args.capacity = capacity;
  return call(WARD_CRYPTO_KDF_SET_CAPACITY, args);
}

psa_status_t psa_key_derivation_key_agreement(psa_key_derivation_operation_t* operation,
                                              psa_key_derivation_step_t step, mbedtls_svc_key_id_t private_key,
                                              const uint8_t* peer_key, size_t peer_key_length) {
  ward_crypto_args args = with_handle(operation->handle);
  args.step = step;
  args.key = private_key;
  return call(WARD_CRYPTO_KDF_KEY_AGREEMENT, args, {{peer_key, peer_key_length}});
}

psa_status_t psa_key_derivation_input_integer(psa_key_derivation_operation_t* operation,
                                              psa_key_derivation_step_t step, uint64_t value) {
  ward_crypto_args args = with_handle(operation->handle);
  args.step = step;
  args.capacity = value;
  return call(WARD_CRYPTO_KDF_INPUT_INTEGER, args);
}

psa_status_t psa_key_derivation_verify_bytes(psa_key_derivation_operation_t* operation, const uint8_t* expected,
                                             size_t expected_length) {
  return call(WARD_CRYPTO_KDF_VERIFY_BYTES, with_handle(operation->handle), {{expected, expected_length}});
}

psa_status_t psa_key_derivation_verify_key(psa_key_derivation_operation_t* operation, psa_key_id_t expected) {
  ward_crypto_args args = with_handle(operation->handle);
  args.key = expected;
  return call(WARD_CRYPTO_KDF_VERIFY_KEY, args);
}

psa_status_t psa_key_derivation_output_key_custom(const psa_key_attributes_t* attributes,
                                                  psa_key_derivation_operation_t* operation,
                                                  const psa_custom_key_parameters_t* custom,
                                                  const uint8_t* custom_data, size_t custom_data_length,
                                                  mbedtls_svc_key_id_t* key) {
  if (attributes == nullptr || custom == nullptr) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  const ward_crypto_key_attributes w = to_wire(attributes);
  const ward_crypto_custom c{custom->flags, 0};
  return call_key(WARD_CRYPTO_KDF_OUTPUT_KEY_CUSTOM, with_handle(operation->handle),
                  {{&w, sizeof w}, {&c, sizeof c}, {custom_data, custom_data_length}}, key);
}

psa_status_t psa_key_derivation_abort(psa_key_derivation_operation_t* operation) {
  if (operation->handle == 0) {
    return PSA_SUCCESS;
  }
  const psa_status_t status = call(WARD_CRYPTO_KDF_ABORT, with_handle(operation->handle));
  operation->handle = 0;
  return status;
}

}  // extern "C"
