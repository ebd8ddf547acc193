// libFuzzer target over the secure-call boundary and the services behind it. An input is a
// sequence of up to kMaxCalls whole calls on a freshly booted secure side, made by kClients
// clients, so that multi-part operations (setup, update, finish, abort), keys (import, generate,
// destroy) and the operation table's ownership and per-client limits are reached step by step.
// Each call (caller, service, type, every vector's length, bytes and capacity, null arrays and
// bases, lengths that lie, and which ranges the memory policy refuses) goes through
// ward::secure::boundary::serve, the code the NSC veneer and the host transport run, into
// ward::secure::dispatch. Each vector is its own exactly sized heap block, so any read or write
// past it is an AddressSanitizer error; output blocks start as a canary, so a byte written past
// what the service reported shows.
//
// Input: per call [link][caller][service][type][counts][array flags], then per input vector
// [len lo][len hi][mode][bytes...], then per output vector [cap lo][cap hi][mode]. `type` is the
// wire type (ward/secure/crypto_wire.h) as a signed byte. Counts go up to 5 to exercise the count
// check. Array flags: 1 refuse the input array, 2 the output array, 4 a null input array, 8 a null
// output array. Vector mode: 1 a null base, 2 (inputs) a length that lies (larger than the limit,
// or near SIZE_MAX), 4 refused by the policy.
// Handles and key ids are not known before the calls run (a slot's generation survives a reboot),
// so a call names them through `link`: every 4-byte first output of a successful call (a handle, a
// key id) is remembered, the n-th in ids[n % kIds]; link's low nibble k in 1..kIds puts ids[k - 1]
// into the args vector's handle, its high nibble into its key. link 0xff makes no call: the caller
// ends (crypto::release_client, what the transport does when a non-secure thread ends). The caller
// byte's top bit makes the call the non-secure kernel's, made for that client (dispatch's account:
// a TLS socket's worker): the keys and operations are the kernel's, counted against the client.
// After every call: the boundary's promises (nothing written past what was reported, nothing on a
// refusal, buffers wiped), the operation and key quotas of every client and of the kernel, and no
// call by one client changes what another holds (the kernel's, made for one, may give another's back:
// it may free what it made for any of them, never add to it).
#include <ward/secure/call.h>
#include <ward/secure/crypto_wire.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <vector>

#include "ward/secure/boundary/call.hpp"
#include "ward/secure/crypto/memory_key_store.hpp"
#include "ward/secure/crypto/service.hpp"
#include "ward/secure/dispatch.hpp"

namespace {

using ward::secure::ClientId;

ward::secure::crypto::MemoryKeyStore g_store;

void boot() {
  ward::secure::crypto::shutdown();
  g_store.clear();
  ward::secure::crypto::set_key_store(&g_store);
  const ward_crypto_args zero{};
  const std::span<const std::byte> in[1] = {{reinterpret_cast<const std::byte*>(&zero), sizeof zero}};
  if (ward::secure::dispatch(ward::secure::nonsecure_client(1), WARD_SERVICE_CRYPTO, WARD_CRYPTO_INIT, in, {}, {}) !=
      PSA_SUCCESS) {
    __builtin_trap();
  }
}

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::size_t u16() { return byte() | static_cast<std::size_t>(byte()) << 8; }
  std::size_t left() const { return size_ - pos_; }
  const std::uint8_t* take(std::size_t n) {
    const std::uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  boot();
  return 0;
}

namespace {

// TrustedMemory (the host transport's policy) that also refuses the ranges the input names.
struct FuzzPolicy {
  const std::set<const void*>* refused;
  const void* readable(const void* p, std::size_t) const { return refused->count(p) != 0 ? nullptr : p; }
  void* writable(void* p, std::size_t) const { return refused->count(p) != 0 ? nullptr : p; }
};

constexpr std::byte kCanary{0xc5};
ward::secure::boundary::Buffers g_buffers;

bool all_zero(const ward::secure::boundary::Buffers& b) {
  const auto zero = [](std::byte x) { return x == std::byte{0}; };
  return std::all_of(b.in.begin(), b.in.end(), zero) && std::all_of(b.out.begin(), b.out.end(), zero);
}

constexpr std::size_t kMaxCalls = 32;
// Three clients: two cannot fill the operation table (kOperationsPerClient each), three can.
constexpr std::size_t kClients = 3;
constexpr std::size_t kIds = 8;
constexpr std::uint8_t kEndClient = 0xff;
// WARD_FUZZ_TRACE=1: each served call's client, type and status on stderr (to check that seeds
// reach the steps they are written for).
const bool g_trace = std::getenv("WARD_FUZZ_TRACE") != nullptr;
// Whether a call of this sequence was the kernel's (made for a client): a client's end then leaves
// what the kernel made for it counted.
bool g_kernel_acted = false;

ClientId client(std::size_t i) { return ward::secure::nonsecure_client(static_cast<std::uint32_t>(i + 1)); }

// What is counted against each client, and (last) against the kernel's own account.
struct Held {
  std::array<std::size_t, kClients + 1> operations{};
  std::array<std::size_t, kClients + 1> keys{};
};

Held held() {
  Held h;
  for (std::size_t i = 0; i <= kClients; ++i) {
    const ClientId c = i < kClients ? client(i) : ward::secure::kNonsecureKernel;
    h.operations[i] = ward::secure::crypto::operations_held(c);
    h.keys[i] = ward::secure::crypto::volatile_keys_held(c);
  }
  return h;
}

// The quotas hold for every client and the kernel, no client's holdings changed but `caller`'s
// (kClients: none's; for the kernel's call, `by_kernel`, the others' may only have gone down), and
// the service's record of volatile keys agrees with Mbed TLS's.
void check_holdings(const Held& before, std::size_t caller, bool by_kernel = false) {
  using namespace ward::secure::crypto;
  const Held after = held();
  if (after.operations[kClients] > kKernelOperations || after.keys[kClients] > kKernelVolatileKeys) __builtin_trap();
  // Nothing made for a client counts against the kernel's own account; a client's request does
  // not touch it, and the kernel's may only free from it.
  if (by_kernel ? after.operations[kClients] > before.operations[kClients] || after.keys[kClients] > before.keys[kClients]
                : after.operations[kClients] != before.operations[kClients] ||
                      after.keys[kClients] != before.keys[kClients]) {
    __builtin_trap();
  }
  for (std::size_t i = 0; i < kClients; ++i) {
    if (after.operations[i] > kOperationsPerClient || after.keys[i] > kVolatileKeysPerClient) __builtin_trap();
    if (i == caller) continue;
    if (by_kernel ? after.operations[i] > before.operations[i] || after.keys[i] > before.keys[i]
                  : after.operations[i] != before.operations[i] || after.keys[i] != before.keys[i]) {
      __builtin_trap();  // one client's request changed another's operations or keys
    }
  }
  if (operations_in_use() > kOperationSlots || volatile_keys_in_use() > kVolatileKeySlots ||
      !key_record_consistent()) {
    __builtin_trap();
  }
}

// What the sequence has learnt so far: the handles and key ids the service answered.
struct Ids {
  std::array<std::uint32_t, kIds> values{};
  std::size_t count = 0;
  void remember(std::uint32_t v) { values[count++ % kIds] = v; }
  // Puts the remembered ids `link` names into an args vector the input supplied.
  void link(std::uint8_t link, std::byte* args, std::size_t size) const {
    if (size < sizeof(ward_crypto_args)) return;
    const unsigned handle = link & 0xfu;
    const unsigned key = link >> 4;
    if (handle >= 1 && handle <= kIds) {
      std::memcpy(args + offsetof(ward_crypto_args, handle), &values[handle - 1], sizeof(std::uint32_t));
    }
    if (key >= 1 && key <= kIds) {
      std::memcpy(args + offsetof(ward_crypto_args, key), &values[key - 1], sizeof(std::uint32_t));
    }
  }
};

// One call from the input through the boundary and the dispatcher, with the boundary's checks.
void call(Reader& r, Ids& ids) {
  using namespace ward::secure;
  const std::uint8_t link = r.byte();
  const std::uint8_t who = r.byte();
  const std::size_t caller_index = (who & 0x7fu) % kClients;
  const bool by_kernel = (who & 0x80u) != 0;  // the kernel's call, made for that client
  const ClientId account = client(caller_index);
  const ClientId caller = by_kernel ? kNonsecureKernel : account;
  const Held before = held();
  if (link == kEndClient) {
    // The client ends: its own keys and operations go; what the kernel made for it stays counted
    // (the kernel frees it), so nothing is left but that, and nothing of anyone else's changed.
    crypto::release_client(account);
    if (!g_kernel_acted && (crypto::operations_held(account) != 0 || crypto::volatile_keys_held(account) != 0)) {
      __builtin_trap();
    }
    const Held after = held();
    if (after.operations[caller_index] > before.operations[caller_index] ||
        after.keys[caller_index] > before.keys[caller_index]) {
      __builtin_trap();
    }
    check_holdings(before, caller_index);
    return;
  }
  g_kernel_acted = g_kernel_acted || by_kernel;
  const std::uint32_t service = r.byte() % 4;
  const std::int32_t type = static_cast<std::int8_t>(r.byte());
  const std::uint8_t counts = r.byte();
  const std::uint8_t array_flags = r.byte();
  const std::size_t in_count = (counts >> 4) % 6;
  const std::size_t out_count = (counts & 0xf) % 6;

  std::vector<std::unique_ptr<std::byte[]>> blocks;
  std::vector<psa_invec> in(in_count + 1);  // never empty, so that data() is a real array
  std::vector<psa_outvec> out(out_count + 1);
  std::vector<std::size_t> out_sizes(out_count);  // the real size of each output block
  std::set<const void*> refused;
  bool honest = (array_flags & 0xf) == 0;
  std::size_t in_total = 0;
  for (std::size_t i = 0; i < in_count; ++i) {
    std::size_t n = r.u16();
    const std::uint8_t mode = r.byte();
    n = std::min(n, r.left());
    blocks.emplace_back(new std::byte[n == 0 ? 1 : n]);
    if (n != 0) std::memcpy(blocks.back().get(), r.take(n), n);
    if (i == 0) ids.link(link, blocks.back().get(), n);
    in[i] = {blocks.back().get(), n};
    in_total += n;
    if ((mode & 1) != 0) in[i].base = nullptr;
    if ((mode & 2) != 0) in[i].len = (mode & 8) != 0 ? SIZE_MAX - n : boundary::kMaxIn + 1 + n;
    if ((mode & 4) != 0) refused.insert(in[i].base);
    honest = honest && (mode & 7) == 0;
  }
  for (std::size_t i = 0; i < out_count; ++i) {
    const std::size_t n = r.u16() % 8193;
    const std::uint8_t mode = r.byte();
    blocks.emplace_back(new std::byte[n == 0 ? 1 : n]);
    std::fill_n(blocks.back().get(), n == 0 ? 1 : n, kCanary);
    out[i] = {blocks.back().get(), n};
    out_sizes[i] = n;
    if ((mode & 1) != 0) out[i].base = nullptr;
    if ((mode & 4) != 0) refused.insert(out[i].base);
    honest = honest && (mode & 5) == 0;
  }
  if ((array_flags & 1) != 0) refused.insert(in.data());
  if ((array_flags & 2) != 0) refused.insert(out.data());
  const boundary::Request request{(array_flags & 4) != 0 ? nullptr : in.data(), in_count,
                                  (array_flags & 8) != 0 ? nullptr : out.data(), out_count};
  const std::vector<psa_outvec> declared(out.begin(), out.end());

  int served = 0;
  const auto result = boundary::serve(
      request, FuzzPolicy{&refused}, g_buffers,
      [&](std::span<const std::span<const std::byte>> vin, std::span<const std::span<std::byte>> vout,
          std::span<std::size_t> written) {
        ++served;
        return dispatch(caller, account, service, type, vin, vout, written);
      });

  if (!all_zero(g_buffers)) {
    __builtin_trap();  // the callee's buffers were not wiped
  }
  if (!result) {
    // Refused: nothing ran, nothing was written, and for the right reason.
    const bool too_many = in_count > boundary::kMaxVectors || out_count > boundary::kMaxVectors;
    if (served != 0 || (too_many && result.error() != boundary::Refusal::too_many_vectors) ||
        (!too_many && honest && in_total <= boundary::kMaxIn)) {
      __builtin_trap();
    }
    for (std::size_t i = 0; i < out_count; ++i) {
      if (out[i].len != declared[i].len ||
          std::count(blocks[in_count + i].get(), blocks[in_count + i].get() + out_sizes[i], kCanary) !=
              static_cast<std::ptrdiff_t>(out_sizes[i])) {
        __builtin_trap();
      }
    }
    check_holdings(before, kClients);
    return;
  }
  // A service that reports more than it was given is answered with CORRUPTION_DETECTED by the
  // boundary; for the fuzzer it is a bug in the service (Mbed TLS never says so on its own here).
  if (served != 1 || *result == PSA_ERROR_CORRUPTION_DETECTED) {
    __builtin_trap();
  }
  for (std::size_t i = 0; i < out_count; ++i) {
    // Never more than the vector holds, nothing past what was reported, and no output on an error.
    const std::size_t n = out[i].len;
    const std::byte* block = blocks[in_count + i].get();
    if (n > out_sizes[i] || n > boundary::kMaxOut ||
        std::count(block + n, block + out_sizes[i], kCanary) != static_cast<std::ptrdiff_t>(out_sizes[i] - n) ||
        (*result != PSA_SUCCESS && n != 0 && type != WARD_CRYPTO_GENERATE_RANDOM)) {
      __builtin_trap();
    }
  }
  check_holdings(before, caller_index, by_kernel);
  if (g_trace) {
    std::fprintf(stderr, "client %zu%s type %d: %d\n", caller_index, by_kernel ? " (by the kernel)" : "", type,
                 static_cast<int>(*result));
  }
  if (*result == PSA_SUCCESS && out_count != 0 && out[0].len == sizeof(std::uint32_t)) {
    std::uint32_t id = 0;
    std::memcpy(&id, blocks[in_count].get(), sizeof id);
    ids.remember(id);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A fresh secure side for every sequence, so that a sequence runs the same however often and
  // after whatever came before (only the slots' generations go on, which is why ids are linked).
  boot();
  g_kernel_acted = false;
  Reader r(data, size);
  Ids ids;
  for (std::size_t i = 0; i < kMaxCalls && r.left() != 0; ++i) {
    call(r, ids);
  }
  return 0;
}
