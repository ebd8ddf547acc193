// ward-attest's token decoder (see verifier.hpp): libcbor, strict.
#include <cbor.h>

#include <map>
#include <optional>
#include <utility>

#include "verifier.hpp"

#include "cbor_read.hpp"

namespace ward::attest {
namespace {

// The claim keys (RFC 9783; secure/attest/include/ward/secure/attest/token.hpp is the device's copy).
constexpr std::int64_t kNonce = 10, kInstanceId = 256, kProfile = 265, kBootSeed = 268, kClientId = 2394,
                       kLifecycle = 2395, kImplementationId = 2396, kSwComponents = 2399, kVerificationService = 2400;
constexpr std::uint8_t kSign1TagByte = 0xd2;  // major type 6, tag 18
constexpr std::string_view kPsaProfile = "tag:psacertified.org,2023:psa#tfm";

using cbor_read::as_bytes;
using cbor_read::as_int;
using cbor_read::as_text;
using cbor_read::Item;

using IntMap = std::map<std::int64_t, const cbor_item_t*>;

// A definite map with integer keys, each once: key -> value (borrowed from the map).
std::optional<IntMap> int_map(const cbor_item_t* i) {
  if (!cbor_isa_map(i) || !cbor_map_is_definite(i)) return std::nullopt;
  IntMap out;
  const cbor_pair* pairs = cbor_map_handle(i);
  for (std::size_t k = 0; k < cbor_map_size(i); ++k) {
    const auto key = as_int(pairs[k].key);
    if (!key || !out.emplace(*key, pairs[k].value).second) return std::nullopt;
  }
  return out;
}

// libcbor's cbor_load allocates every definite array and map at the size its header declares, before
// it reads the items: a 5-byte header could ask for gigabytes (the fuzzer's first find). So the
// headers are walked first with libcbor's streaming decoder, and a container that declares more
// items than bytes are left is refused before anything is allocated.
struct Remaining {
  std::size_t bytes = 0;
  bool fits = true;
};

bool declared_lengths_fit(std::span<const std::uint8_t> data) {
  cbor_callbacks cb = cbor_empty_callbacks;
  cb.array_start = [](void* ctx, std::size_t n) {
    auto* r = static_cast<Remaining*>(ctx);
    r->fits = r->fits && n <= r->bytes;
  };
  cb.map_start = [](void* ctx, std::size_t n) {
    auto* r = static_cast<Remaining*>(ctx);
    r->fits = r->fits && n <= r->bytes / 2;
  };
  std::size_t offset = 0;
  while (offset < data.size()) {
    Remaining r{data.size() - offset - 1};  // after this header's first byte
    const cbor_decoder_result res = cbor_stream_decode(data.data() + offset, data.size() - offset, &cb, &r);
    if (res.status != CBOR_DECODER_FINISHED || res.read == 0 || !r.fits) return false;
    offset += res.read;
  }
  return true;
}

// The whole buffer is one CBOR item.
std::optional<Item> load(std::span<const std::uint8_t> data) {
  if (data.empty() || data.size() > kMaxTokenSize || !declared_lengths_fit(data)) return std::nullopt;
  cbor_load_result r{};
  Item item{cbor_load(data.data(), data.size(), &r)};
  if (!item || r.error.code != CBOR_ERR_NONE || r.read != data.size()) return std::nullopt;
  return item;
}

const cbor_item_t* find(const IntMap& m, std::int64_t key) {
  const auto it = m.find(key);
  return it == m.end() ? nullptr : it->second;
}

// Each claim is decoded by a small function of its own: clang-tidy's optional-access dataflow check
// grows with every optional alive in one function, and one function holding them all outran its time
// limit on CI.
Failure take_bytes(const cbor_item_t* item, Bytes& out) {
  auto b = as_bytes(item);
  if (!b) return Failure::malformed;
  out = std::move(*b);
  return Failure::none;
}

Failure take_text(const cbor_item_t* item, std::string& out) {
  auto s = as_text(item);
  if (!s) return Failure::malformed;
  out = std::move(*s);
  return Failure::none;
}

Failure decode_required_claims(const IntMap& m, Token& t) {
  for (std::int64_t k : {kProfile, kNonce, kInstanceId, kImplementationId, kClientId, kLifecycle, kSwComponents}) {
    if (find(m, k) == nullptr) return Failure::missing_claim;
  }
  for (const Failure f : {take_text(find(m, kProfile), t.profile), take_bytes(find(m, kNonce), t.nonce),
                          take_bytes(find(m, kInstanceId), t.instance_id),
                          take_bytes(find(m, kImplementationId), t.implementation_id)}) {
    if (f != Failure::none) return f;
  }
  const auto client = as_int(find(m, kClientId));
  const cbor_item_t* lc = find(m, kLifecycle);
  if (!client || !cbor_isa_uint(lc)) return Failure::malformed;
  t.client_id = *client;
  t.lifecycle = cbor_get_int(lc);
  if (t.profile != kPsaProfile) return Failure::profile;
  const std::size_t n = t.nonce.size();
  if ((n != 32 && n != 48 && n != 64) || t.instance_id.size() != 33 || t.instance_id[0] != 0x01 ||
      t.implementation_id.size() != 32 || t.lifecycle > 0xffff) {
    return Failure::bad_claim;
  }
  return Failure::none;
}

Failure decode_optional_claims(const IntMap& m, Token& t) {
  if (const cbor_item_t* seed = find(m, kBootSeed)) {
    if (const Failure f = take_bytes(seed, t.boot_seed); f != Failure::none) return f;
    if (t.boot_seed.size() < 8 || t.boot_seed.size() > 32) return Failure::bad_claim;
  }
  if (const cbor_item_t* vs = find(m, kVerificationService)) return take_text(vs, t.verification_service);
  return Failure::none;
}

Failure decode_component(const cbor_item_t* item, Component& comp) {
  const auto c = int_map(item);
  if (!c) return Failure::malformed;
  // Measurement value (2) and signer id (5) are mandatory; type (1), version (4), description (6) not.
  const cbor_item_t* value = find(*c, 2);
  const cbor_item_t* signer = find(*c, 5);
  if (value == nullptr || signer == nullptr) return Failure::missing_claim;
  for (const Failure f : {take_bytes(value, comp.measurement), take_bytes(signer, comp.signer_id)}) {
    if (f != Failure::none) return f;
  }
  const auto size_ok = [](const Bytes& b) { return b.size() >= 32 && b.size() <= 64; };
  if (!size_ok(comp.measurement) || !size_ok(comp.signer_id)) return Failure::bad_claim;
  for (auto [key, out] : {std::pair{std::int64_t{1}, &comp.type}, std::pair{std::int64_t{4}, &comp.version},
                          std::pair{std::int64_t{6}, &comp.description}}) {
    if (const cbor_item_t* f = find(*c, key)) {
      if (const Failure r = take_text(f, *out); r != Failure::none) return r;
    }
  }
  return Failure::none;
}

Failure decode_claims(const cbor_item_t* payload, Token& t) {
  const auto m = int_map(payload);
  if (!m) return Failure::malformed;
  if (const Failure f = decode_required_claims(*m, t); f != Failure::none) return f;
  if (const Failure f = decode_optional_claims(*m, t); f != Failure::none) return f;
  const cbor_item_t* list = find(*m, kSwComponents);
  if (!cbor_isa_array(list) || !cbor_array_is_definite(list)) return Failure::malformed;
  if (cbor_array_size(list) == 0) return Failure::bad_claim;
  for (std::size_t k = 0; k < cbor_array_size(list); ++k) {
    Component comp;
    if (const Failure f = decode_component(cbor_array_handle(list)[k], comp); f != Failure::none) return f;
    t.components.push_back(std::move(comp));
  }
  return Failure::none;
}

}  // namespace

std::string_view to_string(Failure f) {
  switch (f) {
    case Failure::none: return "verified";
    case Failure::malformed: return "malformed token";
    case Failure::not_sign1: return "not a COSE_Sign1";
    case Failure::algorithm: return "not signed with ES256";
    case Failure::missing_claim: return "a required claim is missing";
    case Failure::bad_claim: return "a claim has the wrong size or value";
    case Failure::profile: return "not the PSA profile tag:psacertified.org,2023:psa#tfm";
    case Failure::signature: return "signature does not verify with the enrolled key";
    case Failure::nonce: return "nonce mismatch";
    case Failure::instance_id: return "instance id is not the enrolled device's";
    case Failure::implementation_id: return "implementation id mismatch";
    case Failure::lifecycle: return "security lifecycle is not secured";
    case Failure::unknown_component: return "a software component has no reference value";
    case Failure::measurement: return "a software component does not match its reference value";
    case Failure::missing_component: return "a reference value matches no software component";
  }
  return "?";
}

Failure decode(std::span<const std::uint8_t> data, Token& out) {
  out = Token{};
  // The COSE_Sign1 tag (18) is the one byte 0xd2, checked here by hand: Debian 12's libcbor (0.8.0)
  // refuses every item tagged 6..20 as malformed (tests/attest: TaggedSign1IsWhatLibcborRefuses).
  if (data.empty() || data[0] != kSign1TagByte) return Failure::not_sign1;
  auto arr = load(data.subspan(1));
  if (!arr) return Failure::malformed;
  if (!cbor_isa_array(arr->get()) || !cbor_array_is_definite(arr->get()) || cbor_array_size(arr->get()) != 4) {
    return Failure::not_sign1;
  }
  cbor_item_t** parts = cbor_array_handle(arr->get());
  Token t;
  auto prot = as_bytes(parts[0]);
  auto payload = as_bytes(parts[2]);
  auto signature = as_bytes(parts[3]);
  const auto unprotected = int_map(parts[1]);
  if (!prot || !payload || !signature || !unprotected) return Failure::not_sign1;
  t.protected_header = std::move(*prot);
  t.payload = std::move(*payload);
  t.signature = std::move(*signature);
  // The protected header: exactly {1: -7}.
  const auto header_item = load(t.protected_header);
  if (!header_item) return Failure::algorithm;
  const auto header = int_map(header_item->get());
  if (!header || header->size() != 1 || !header->contains(1) || as_int(header->at(1)) != -7) {
    return Failure::algorithm;
  }
  if (t.signature.size() != 64) return Failure::bad_claim;
  const auto claims = load(t.payload);
  if (!claims) return Failure::malformed;
  if (const Failure f = decode_claims(claims->get(), t); f != Failure::none) return f;
  out = std::move(t);
  return Failure::none;
}

}  // namespace ward::attest
