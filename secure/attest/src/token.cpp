// The attestation token's encoding (see ward/secure/attest/token.hpp) with tinycbor. Every encoder
// call's result is collected: CborErrorOutOfMemory means "keep counting" (tinycbor then reports how
// many bytes were missing), any other error is a bug in the claims and refuses the token.
#include "ward/secure/attest/token.hpp"

#include <cbor.h>

namespace ward::secure::attest {
namespace {

// The protected header: {1: -7} (alg: ES256), encoded once.
constexpr std::array<std::uint8_t, 3> kProtected = {0xa1, 0x01, 0x26};
constexpr std::string_view kSignature1 = "Signature1";
constexpr std::string_view kSha256 = "sha-256";

// Collects tinycbor's results: only "out of memory" (counting past the end) is not fatal.
class Status {
 public:
  void operator+=(CborError e) {
    if (e != CborNoError && e != CborErrorOutOfMemory) {
      fatal_ = true;
    }
  }
  bool fatal() const { return fatal_; }

 private:
  bool fatal_ = false;
};

// What the encoding took: tinycbor counts the bytes past the end of a full buffer separately (its
// position is lost then), so the size is the buffer's plus those.
std::size_t encoded_size(const CborEncoder& root, std::span<const std::uint8_t> out) {
  const std::size_t extra = cbor_encoder_get_extra_bytes_needed(&root);
  return extra != 0 ? out.size() + extra : cbor_encoder_get_buffer_size(&root, out.data());
}

void text(Status& st, CborEncoder& e, std::string_view s) { st += cbor_encode_text_string(&e, s.data(), s.size()); }
void bytes(Status& st, CborEncoder& e, std::span<const std::uint8_t> b) {
  // tinycbor memcpy's even an empty string: never from a null pointer (UB, and UBSan says so).
  static constexpr std::uint8_t kNothing = 0;
  st += cbor_encode_byte_string(&e, b.empty() ? &kNothing : b.data(), b.size());
}

void encode_component(Status& st, CborEncoder& list, const SwComponent& c) {
  CborEncoder m;
  st += cbor_encoder_create_map(&list, &m, 5);
  st += cbor_encode_int(&m, component::kType);
  text(st, m, c.type_name());
  st += cbor_encode_int(&m, component::kMeasurement);
  bytes(st, m, c.measurement);
  st += cbor_encode_int(&m, component::kVersion);
  text(st, m, c.version_text());
  st += cbor_encode_int(&m, component::kSignerId);
  bytes(st, m, c.signer_id);
  st += cbor_encode_int(&m, component::kDescription);
  text(st, m, kSha256);
  st += cbor_encoder_close_container(&list, &m);
}

// The claims map into `out`; its size (which may exceed out.size(): then nothing usable was written).
Result<std::size_t> encode_payload(const Claims& c, std::span<std::uint8_t> out) {
  if (!valid_challenge_size(c.nonce.size()) || c.components.empty()) {
    return base::fail(Error::bad_claims);
  }
  Status st;
  CborEncoder root, map;
  cbor_encoder_init(&root, out.data(), out.size(), 0);
  st += cbor_encoder_create_map(&root, &map, 9);
  st += cbor_encode_int(&map, claim::kProfile);
  text(st, map, kProfile);
  st += cbor_encode_int(&map, claim::kClientId);
  st += cbor_encode_int(&map, c.client_id);
  st += cbor_encode_int(&map, claim::kSecurityLifecycle);
  st += cbor_encode_uint(&map, c.lifecycle);
  st += cbor_encode_int(&map, claim::kImplementationId);
  bytes(st, map, c.implementation_id);
  st += cbor_encode_int(&map, claim::kBootSeed);
  bytes(st, map, c.boot_seed);
  st += cbor_encode_int(&map, claim::kSoftwareComponents);
  CborEncoder list;
  st += cbor_encoder_create_array(&map, &list, c.components.size());
  for (const auto& comp : c.components) {
    encode_component(st, list, comp);
  }
  st += cbor_encoder_close_container(&map, &list);
  st += cbor_encode_int(&map, claim::kVerificationService);
  text(st, map, c.verification_service);
  st += cbor_encode_int(&map, claim::kNonce);
  bytes(st, map, c.nonce);
  st += cbor_encode_int(&map, claim::kInstanceId);
  bytes(st, map, c.instance_id);
  st += cbor_encoder_close_container(&root, &map);
  if (st.fatal()) {
    return base::fail(Error::bad_claims);
  }
  return encoded_size(root, out);
}

// COSE_Sign1 = 18([protected, {}, payload, signature]) into `out`; its size. `payload` may point
// to fewer bytes than payload_size only when `out` is empty: tinycbor then only counts.
std::size_t encode_sign1(const std::uint8_t* payload, std::size_t payload_size, std::span<const std::uint8_t> signature,
                         std::span<std::uint8_t> out) {
  Status st;
  CborEncoder root, arr, unprotected;
  cbor_encoder_init(&root, out.data(), out.size(), 0);
  st += cbor_encode_tag(&root, kCoseSign1Tag);
  st += cbor_encoder_create_array(&root, &arr, 4);
  bytes(st, arr, kProtected);
  st += cbor_encoder_create_map(&arr, &unprotected, 0);
  st += cbor_encoder_close_container(&arr, &unprotected);
  st += cbor_encode_byte_string(&arr, payload, payload_size);
  bytes(st, arr, signature);
  st += cbor_encoder_close_container(&root, &arr);
  return encoded_size(root, out);
}

// Sig_structure = ["Signature1", protected, external_aad = h'', payload] into `out`; its size.
std::size_t encode_tbs(std::span<const std::uint8_t> payload, std::span<std::uint8_t> out) {
  Status st;
  CborEncoder root, arr;
  cbor_encoder_init(&root, out.data(), out.size(), 0);
  st += cbor_encoder_create_array(&root, &arr, 4);
  text(st, arr, kSignature1);
  bytes(st, arr, kProtected);
  bytes(st, arr, {});
  bytes(st, arr, payload);
  st += cbor_encoder_close_container(&root, &arr);
  return encoded_size(root, out);
}

}  // namespace

Result<std::size_t> token_size(const Claims& claims) {
  const auto payload = encode_payload(claims, {});
  if (!payload) {
    return base::fail(payload.error());
  }
  // Counting only (no output): tinycbor adds up the sizes and reads no payload bytes.
  const std::array<std::uint8_t, kSignatureSize> sig{};
  return encode_sign1(sig.data(), *payload, sig, {});
}

Result<std::size_t> make_token(const Claims& claims, Signer& signer, std::span<std::uint8_t> out,
                               std::span<std::uint8_t> scratch) {
  const auto needed = token_size(claims);
  if (!needed) {
    return base::fail(needed.error());
  }
  if (*needed > out.size()) {
    return base::fail(Error::too_small);
  }
  const auto payload_size = encode_payload(claims, scratch);
  if (!payload_size) {
    return base::fail(payload_size.error());
  }
  if (*payload_size > scratch.size()) {
    return base::fail(Error::too_small);
  }
  const auto payload = scratch.first(*payload_size);
  // The Sig_structure is shorter than the token (no signature, a shorter header), so it fits in
  // `out`, where the token then replaces it.
  const std::size_t tbs_size = encode_tbs(payload, out);
  if (tbs_size > out.size()) {
    return base::fail(Error::too_small);
  }
  std::array<std::uint8_t, kSignatureSize> signature{};
  if (!signer.sign(out.first(tbs_size), signature)) {
    return base::fail(Error::signing);
  }
  const std::size_t size = encode_sign1(payload.data(), payload.size(), signature, out);
  if (size != *needed) {
    return base::fail(Error::too_small);  // cannot happen: the same claims, counted above
  }
  return size;
}

}  // namespace ward::secure::attest
