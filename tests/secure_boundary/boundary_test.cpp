// The secure-call boundary (secure/boundary) from the attacker's side, with each of its policies
// that runs on the host: every check gets a call that tries to get past it, next to the calls that
// must still pass. The TrustZone policy runs only in the secure image: tests/secure on QEMU.
//
// Every caller buffer is an exactly-sized heap block, so a read or write past a vector is an
// AddressSanitizer error in the host-asan build; output blocks are filled with a canary first, so
// a byte the boundary should not have written shows.
#include <gtest/gtest.h>

#include <psa/client.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "ward/kernel/memory_domain.hpp"
#include "ward/kernel/user_memory.hpp"
#include "ward/secure/boundary/call.hpp"
#include "ward/secure/boundary/domain_memory.hpp"
#include "ward/secure/boundary/trusted_memory.hpp"

namespace ward::secure::boundary {
namespace {

constexpr std::byte kCanary{0xc5};
constexpr std::size_t kHuge = std::numeric_limits<std::size_t>::max();
using InSpans = std::span<const std::span<const std::byte>>;
using OutSpans = std::span<const std::span<std::byte>>;

// Caller memory: each vector its own exact heap block, and the two vector arrays.
struct Caller {
  std::vector<std::unique_ptr<std::byte[]>> blocks;
  std::vector<psa_invec> in;
  std::vector<psa_outvec> out;
  std::vector<std::span<std::byte>> output_blocks;  // as allocated (the vectors may be made to lie)

  const std::byte* input(std::size_t n, std::uint8_t first = 1) {
    blocks.emplace_back(new std::byte[n == 0 ? 1 : n]);
    for (std::size_t i = 0; i < n; ++i) {
      blocks.back()[i] = std::byte(static_cast<std::uint8_t>(first + i));
    }
    in.push_back({blocks.back().get(), n});
    return blocks.back().get();
  }
  std::byte* output(std::size_t n) {
    blocks.emplace_back(new std::byte[n == 0 ? 1 : n]);
    std::fill_n(blocks.back().get(), n == 0 ? 1 : n, kCanary);
    out.push_back({blocks.back().get(), n});
    output_blocks.emplace_back(blocks.back().get(), n);
    return blocks.back().get();
  }
  Request request() { return {in.data(), in.size(), out.data(), out.size()}; }
};

std::size_t canaries(const void* p, std::size_t n) {
  const auto* b = static_cast<const std::byte*>(p);
  return static_cast<std::size_t>(std::count(b, b + n, kCanary));
}

bool all_zero(const Buffers& b) {
  const auto zero = [](std::byte x) { return x == std::byte{0}; };
  return std::all_of(b.in.begin(), b.in.end(), zero) && std::all_of(b.out.begin(), b.out.end(), zero);
}

// A service that records what it was given, fills each output with 0x5N (N = its index) up to
// `write[i]` bytes (or its whole capacity when `write` is empty), and reports `report[i]` (or what
// it wrote) as written.
struct FakeService {
  psa_status_t status = PSA_SUCCESS;
  std::vector<std::size_t> write;
  std::vector<std::size_t> report;
  int calls = 0;
  std::vector<std::vector<std::byte>> inputs;
  std::vector<std::span<const std::byte>> in_spans;
  std::vector<std::span<std::byte>> out_spans;

  psa_status_t operator()(InSpans in, OutSpans out, std::span<std::size_t> written) {
    ++calls;
    inputs.clear();
    in_spans.assign(in.begin(), in.end());
    out_spans.assign(out.begin(), out.end());
    for (const auto& v : in) {
      inputs.emplace_back(v.begin(), v.end());
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
      const std::size_t n = write.empty() ? out[i].size() : write[i];
      std::fill_n(out[i].data(), std::min(n, out[i].size()), std::byte(static_cast<std::uint8_t>(0x50 + i)));
      written[i] = report.empty() ? n : report[i];
    }
    return status;
  }
};

// A policy that records every range it is asked about and refuses the ones `refuse` names.
struct Query {
  bool write;
  const void* p;
  std::size_t n;
  bool operator==(const Query&) const = default;
};
struct RecordingPolicy {
  std::vector<Query>* asked;
  const void* refuse = nullptr;  // a range starting here is refused
  const void* readable(const void* p, std::size_t n) const {
    asked->push_back({false, p, n});
    return p == refuse ? nullptr : p;
  }
  void* writable(void* p, std::size_t n) const {
    asked->push_back({true, p, n});
    return p == refuse ? nullptr : p;
  }
};
static_assert(MemoryPolicy<RecordingPolicy>);
static_assert(MemoryPolicy<TrustedMemory>);
static_assert(MemoryPolicy<DomainMemory>);

// Every test gets fresh buffers on the heap (ASan sees past their ends too).
class Boundary : public ::testing::Test {
 protected:
  std::unique_ptr<Buffers> buffers = std::make_unique<Buffers>();
  FakeService service;
  std::vector<Query> asked;

  void SetUp() override { std::memset(buffers.get(), 0, sizeof *buffers); }

  std::expected<psa_status_t, Refusal> serve_trusted(const Request& r) {
    return serve(r, TrustedMemory{}, *buffers, std::ref(service));
  }
  std::expected<psa_status_t, Refusal> serve_recorded(const Request& r, const void* refuse = nullptr) {
    return serve(r, RecordingPolicy{&asked, refuse}, *buffers, std::ref(service));
  }
  // A refused call: the reason, and nothing ran, nothing was written, the buffers are untouched.
  void expect_refused(Caller& c, std::expected<psa_status_t, Refusal> result, Refusal why) {
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error(), why);
    EXPECT_EQ(service.calls, 0);
    for (const auto& o : c.output_blocks) {
      EXPECT_EQ(canaries(o.data(), o.size()), o.size());
    }
    EXPECT_TRUE(all_zero(*buffers));
  }
};

// ---- 1. Shape ------------------------------------------------------------------------------------

TEST_F(Boundary, AtMostFourVectorsEachWay) {
  Caller c;
  for (int i = 0; i < 5; ++i) c.input(4);
  expect_refused(c, serve_recorded(c.request()), Refusal::too_many_vectors);
  EXPECT_TRUE(asked.empty());  // not even the arrays were looked at

  Caller d;
  for (int i = 0; i < 5; ++i) d.output(4);
  expect_refused(d, serve_recorded(d.request()), Refusal::too_many_vectors);
  EXPECT_TRUE(asked.empty());

  Caller e;
  for (int i = 0; i < 4; ++i) e.input(4), e.output(4);
  ASSERT_EQ(serve_trusted(e.request()), PSA_SUCCESS);
  EXPECT_EQ(service.in_spans.size(), 4u);
  EXPECT_EQ(service.out_spans.size(), 4u);
}

TEST_F(Boundary, ANullArrayWithACountIsRefused) {
  Caller c;
  expect_refused(c, serve_recorded({nullptr, 1, nullptr, 0}), Refusal::null_with_length);
  expect_refused(c, serve_recorded({nullptr, 0, nullptr, 2}), Refusal::null_with_length);
  EXPECT_TRUE(asked.empty());
  // No vectors need no arrays.
  ASSERT_EQ(serve_trusted({nullptr, 0, nullptr, 0}), PSA_SUCCESS);
  EXPECT_EQ(service.calls, 1);
}

TEST_F(Boundary, ANullBaseWithALengthIsRefused) {
  Caller c;
  c.input(4);
  c.in.push_back({nullptr, 4});
  expect_refused(c, serve_trusted(c.request()), Refusal::null_with_length);
  Caller d;
  d.output(4);
  d.out.push_back({nullptr, 4});
  expect_refused(d, serve_trusted(d.request()), Refusal::null_with_length);
}

TEST_F(Boundary, AnEmptyVectorNeedsNoMemory) {
  Caller c;
  c.in.push_back({nullptr, 0});  // how PSA clients pass "no additional data"
  c.in.push_back({reinterpret_cast<const void*>(std::uintptr_t{0x10}), 0});  // never dereferenced
  c.input(3);
  c.out.push_back({nullptr, 0});
  c.output(8);
  ASSERT_EQ(serve_recorded(c.request()), PSA_SUCCESS);
  ASSERT_EQ(service.inputs.size(), 3u);
  EXPECT_TRUE(service.inputs[0].empty());
  EXPECT_TRUE(service.inputs[1].empty());
  EXPECT_EQ(service.inputs[2].size(), 3u);
  EXPECT_EQ(service.out_spans[0].size(), 0u);
  // Only the arrays and the non-empty vectors were asked about.
  EXPECT_EQ(asked.size(), 4u);
  EXPECT_EQ(c.out[0].len, 0u);
  EXPECT_EQ(c.out[1].len, 8u);
}

// ---- 3. Inputs: the limit, overflow ---------------------------------------------------------------

TEST_F(Boundary, InputsUpToTheLimitArrive) {
  Caller c;
  c.input(kMaxIn / 2, 7);
  c.input(kMaxIn / 4, 9);
  c.input(kMaxIn - kMaxIn / 2 - kMaxIn / 4, 11);
  ASSERT_EQ(serve_trusted(c.request()), PSA_SUCCESS);
  ASSERT_EQ(service.inputs.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(service.inputs[i].size(), c.in[i].len);
    EXPECT_EQ(std::memcmp(service.inputs[i].data(), c.in[i].base, c.in[i].len), 0);
  }
  EXPECT_TRUE(all_zero(*buffers));  // and wiped afterwards
}

TEST_F(Boundary, InputsOverTheLimitAreRefused) {
  Caller one;
  one.input(kMaxIn + 1);
  expect_refused(one, serve_trusted(one.request()), Refusal::input_too_large);
  Caller split;  // the limit is on the sum
  split.input(kMaxIn / 2);
  split.input(kMaxIn / 2);
  split.input(1);
  expect_refused(split, serve_trusted(split.request()), Refusal::input_too_large);
}

TEST_F(Boundary, LengthsThatOverflowTheSumAreRefusedUnread) {
  // Lengths that lie (the blocks are small): refused before anything reads them, or ASan says so.
  Caller c;
  c.input(16);
  c.in[0].len = kHuge;
  expect_refused(c, serve_recorded(c.request()), Refusal::input_too_large);
  Caller d;
  d.input(16);
  d.input(16);
  d.in[0].len = kHuge / 2 + 1;
  d.in[1].len = kHuge / 2 + 1;  // the two add up to 0 modulo 2^64
  expect_refused(d, serve_recorded(d.request()), Refusal::input_too_large);
  Caller e;
  e.input(16);
  e.input(16);
  e.in[0].len = 8;
  e.in[1].len = kHuge - 7;  // 8 + (2^64 - 8) wraps to 0
  expect_refused(e, serve_recorded(e.request()), Refusal::input_too_large);
  // Only the arrays and the honest first vector of the last call were ever asked about.
  ASSERT_EQ(asked.size(), 4u);
  EXPECT_EQ(asked[3], (Query{false, e.in[0].base, 8}));
}

TEST_F(Boundary, RangesThatWrapAroundAreRefusedBeforeThePolicyIsAsked) {
  const auto* top = reinterpret_cast<const void*>(std::numeric_limits<std::uintptr_t>::max() - 7);
  Caller c;
  c.in.push_back({top, 16});
  expect_refused(c, serve_recorded(c.request()), Refusal::input_refused);
  Caller d;
  d.out.push_back({const_cast<void*>(top), 16});
  expect_refused(d, serve_recorded(d.request()), Refusal::output_refused);
  // The arrays themselves.
  expect_refused(c, serve_recorded({static_cast<const psa_invec*>(top), 1, nullptr, 0}), Refusal::array_refused);
  expect_refused(c, serve_recorded({nullptr, 0, static_cast<psa_outvec*>(const_cast<void*>(top)), 1}),
                 Refusal::array_refused);
  // Only the two honest arrays were asked about.
  EXPECT_EQ(asked.size(), 2u);
}

// ---- 4. Outputs: clamped, never refused for size ------------------------------------------------

TEST_F(Boundary, OutputCapacityIsClampedInOrder) {
  Caller c;
  c.input(4);
  std::byte* a = c.output(3000);
  std::byte* b = c.output(3000);
  std::byte* z = c.output(10);
  ASSERT_EQ(serve_trusted(c.request()), PSA_SUCCESS);
  ASSERT_EQ(service.out_spans.size(), 3u);
  EXPECT_EQ(service.out_spans[0].size(), 3000u);
  EXPECT_EQ(service.out_spans[1].size(), kMaxOut - 3000);
  EXPECT_EQ(service.out_spans[2].size(), 0u);
  // What the service wrote arrived; what lies beyond its capacity was not touched.
  EXPECT_EQ(c.out[0].len, 3000u);
  EXPECT_EQ(c.out[1].len, kMaxOut - 3000);
  EXPECT_EQ(c.out[2].len, 0u);
  EXPECT_EQ(std::count(a, a + 3000, std::byte{0x50}), 3000);
  EXPECT_EQ(std::count(b, b + (kMaxOut - 3000), std::byte{0x51}), static_cast<long>(kMaxOut - 3000));
  EXPECT_EQ(canaries(b + (kMaxOut - 3000), 3000 - (kMaxOut - 3000)), 3000 - (kMaxOut - 3000));
  EXPECT_EQ(canaries(z, 10), 10u);
  EXPECT_TRUE(all_zero(*buffers));
}

TEST_F(Boundary, AnOutputLargerThanACallCarriesIsFine) {
  Caller c;
  std::byte* hash = c.output(5000);
  service.write = {32};
  ASSERT_EQ(serve_trusted(c.request()), PSA_SUCCESS);
  EXPECT_EQ(service.out_spans[0].size(), kMaxOut);
  EXPECT_EQ(c.out[0].len, 32u);
  EXPECT_EQ(std::count(hash, hash + 32, std::byte{0x50}), 32);
  EXPECT_EQ(canaries(hash + 32, 5000 - 32), 5000u - 32);
}

TEST_F(Boundary, OnlyTheBytesReportedWrittenAreCopiedOut) {
  Caller c;
  std::byte* a = c.output(64);
  std::byte* b = c.output(64);
  service.write = {64, 64};   // the service scribbles over its whole capacity...
  service.report = {10, 0};   // ...but says it wrote this much
  ASSERT_EQ(serve_trusted(c.request()), PSA_SUCCESS);
  EXPECT_EQ(c.out[0].len, 10u);
  EXPECT_EQ(c.out[1].len, 0u);
  EXPECT_EQ(std::count(a, a + 10, std::byte{0x50}), 10);
  EXPECT_EQ(canaries(a + 10, 54), 54u);
  EXPECT_EQ(canaries(b, 64), 64u);
  EXPECT_TRUE(all_zero(*buffers));  // the unreported bytes were wiped, not left for the next call
}

TEST_F(Boundary, AServiceReportingMoreThanItWasGivenCopiesNothing) {
  Caller c;
  std::byte* a = c.output(16);
  std::byte* b = c.output(16);
  service.write = {16, 16};
  service.report = {16, 17};
  ASSERT_EQ(serve_trusted(c.request()), PSA_ERROR_CORRUPTION_DETECTED);
  EXPECT_EQ(c.out[0].len, 0u);
  EXPECT_EQ(c.out[1].len, 0u);
  EXPECT_EQ(canaries(a, 16), 16u);
  EXPECT_EQ(canaries(b, 16), 16u);
  EXPECT_TRUE(all_zero(*buffers));
}

TEST_F(Boundary, AFailedCallPassesOnItsStatusAndWhatItReports) {
  Caller c;
  c.input(8);
  std::byte* a = c.output(16);
  service.status = PSA_ERROR_BUFFER_TOO_SMALL;
  service.write = {16};
  service.report = {0};
  ASSERT_EQ(serve_trusted(c.request()), PSA_ERROR_BUFFER_TOO_SMALL);
  EXPECT_EQ(c.out[0].len, 0u);
  EXPECT_EQ(canaries(a, 16), 16u);
  EXPECT_TRUE(all_zero(*buffers));
}

// ---- The copies ------------------------------------------------------------------------------------

TEST_F(Boundary, TheServiceSeesOnlyTheCalleesBuffers) {
  Caller c;
  c.input(100);
  c.input(50);
  c.output(40);
  ASSERT_EQ(serve_trusted(c.request()), PSA_SUCCESS);
  const auto inside = [&](const void* p, std::size_t n, const auto& area) {
    const auto* b = static_cast<const std::byte*>(p);
    return b >= area.data() && b + n <= area.data() + area.size();
  };
  for (const auto& s : service.in_spans) {
    EXPECT_TRUE(inside(s.data(), s.size(), buffers->in));
  }
  for (const auto& s : service.out_spans) {
    EXPECT_TRUE(inside(s.data(), s.size(), buffers->out));
  }
}

TEST_F(Boundary, ChangingTheArraysAfterTheCheckChangesNothing) {
  // The caller rewrites its arrays while the boundary works (here: as soon as the policy has been
  // asked about its first vector), pointing them at memory it was never approved for.
  Caller c;
  c.input(16, 0x10);
  std::byte* out = c.output(16);
  std::vector<std::byte> secret(4096, std::byte{0xee});
  struct Racing {
    std::vector<Query>* asked;
    Caller* caller;
    std::byte* secret;
    const void* readable(const void* p, std::size_t n) const {
      asked->push_back({false, p, n});
      if (asked->size() == 3) {  // after both arrays: now change them
        caller->in[0] = {secret, 4096};
        caller->out[0] = {secret, 4096};
      }
      return p;
    }
    void* writable(void* p, std::size_t n) const {
      asked->push_back({true, p, n});
      return p;
    }
  };
  ASSERT_EQ(serve(c.request(), Racing{&asked, &c, secret.data()}, *buffers, std::ref(service)), PSA_SUCCESS);
  ASSERT_EQ(service.inputs.size(), 1u);
  ASSERT_EQ(service.inputs[0].size(), 16u);
  EXPECT_EQ(service.inputs[0][0], std::byte{0x10});  // the approved input, not the secret
  EXPECT_EQ(std::count(out, out + 16, std::byte{0x50}), 16);  // results to the approved output
  EXPECT_EQ(std::count(secret.begin(), secret.end(), std::byte{0xee}), 4096);
  EXPECT_EQ(c.out[0].len, 16u);  // the length went back into the caller's array
}

TEST_F(Boundary, ArraysNeedNoAlignment) {
  // A caller's arrays at odd addresses: read and written byte for byte (UBSan would see a
  // misaligned access).
  Caller c;
  c.input(5);
  c.output(7);
  std::vector<std::byte> raw(1 + sizeof(psa_invec) + sizeof(psa_outvec));
  auto* in_array = raw.data() + 1;
  auto* out_array = in_array + sizeof(psa_invec);
  std::memcpy(in_array, c.in.data(), sizeof(psa_invec));
  std::memcpy(out_array, c.out.data(), sizeof(psa_outvec));
  service.write = {3};
  const Request r{reinterpret_cast<const psa_invec*>(in_array), 1, reinterpret_cast<psa_outvec*>(out_array), 1};
  ASSERT_EQ(serve_trusted(r), PSA_SUCCESS);
  psa_outvec back;
  std::memcpy(&back, out_array, sizeof back);
  EXPECT_EQ(back.len, 3u);
  EXPECT_EQ(back.base, c.out[0].base);
}

// ---- 2.-4. The policy ----------------------------------------------------------------------------

TEST_F(Boundary, ThePolicyIsAskedAboutEveryRangeWholeAndInItsDirection) {
  Caller c;
  c.input(10);
  c.input(20);
  c.output(30);
  c.output(kMaxOut + 100);  // asked about whole, though the service sees less
  ASSERT_EQ(serve_recorded(c.request()), PSA_SUCCESS);
  const std::vector<Query> expected{
      {false, c.in.data(), 2 * sizeof(psa_invec)},   {true, c.out.data(), 2 * sizeof(psa_outvec)},
      {false, c.in[0].base, 10},                     {false, c.in[1].base, 20},
      {true, c.out[0].base, 30},                     {true, c.out[1].base, kMaxOut + 100},
  };
  EXPECT_EQ(asked, expected);
}

TEST_F(Boundary, APolicyRefusalOfTheInputArrayStopsTheCall) {
  Caller c;
  c.input(4);
  c.output(4);
  expect_refused(c, serve_recorded(c.request(), c.in.data()), Refusal::array_refused);
  EXPECT_EQ(c.out[0].len, 4u);  // the caller's lengths are as they were
}

TEST_F(Boundary, APolicyRefusalOfTheOutputArrayStopsTheCall) {
  Caller c;
  c.input(4);
  c.output(4);
  expect_refused(c, serve_recorded(c.request(), c.out.data()), Refusal::array_refused);
  EXPECT_EQ(c.out[0].len, 4u);
}

TEST_F(Boundary, APolicyRefusalOfAnInputStopsTheCall) {
  Caller c;
  c.input(4);
  c.input(4);
  c.output(4);
  expect_refused(c, serve_recorded(c.request(), c.in[1].base), Refusal::input_refused);
  EXPECT_EQ(c.out[0].len, 4u);
}

TEST_F(Boundary, APolicyRefusalOfAnOutputStopsTheCall) {
  Caller c;
  c.input(4);
  c.output(4);
  c.output(4);
  expect_refused(c, serve_recorded(c.request(), c.out[1].base), Refusal::output_refused);
  EXPECT_EQ(c.out[0].len, 4u);
  EXPECT_EQ(c.out[1].len, 4u);
}

TEST_F(Boundary, OnlyTheAddressesThePolicyReturnsAreUsed) {
  // A policy for a caller in another address space: its addresses are offsets from 0x1000 (which
  // the host would fault on), translated into an arena. Every access must go through the policy.
  alignas(16) static std::byte arena[1024];
  std::memset(arena, 0, sizeof arena);
  constexpr std::uintptr_t kBase = 0x1000;
  struct Translating {
    std::byte* arena;
    std::byte* at(const void* p, std::size_t n) const {
      const auto a = reinterpret_cast<std::uintptr_t>(p);
      return a >= kBase && a - kBase <= 1024 && n <= 1024 - (a - kBase) ? arena + (a - kBase) : nullptr;
    }
    const void* readable(const void* p, std::size_t n) const { return at(p, n); }
    void* writable(void* p, std::size_t n) const { return at(p, n); }
  };
  const auto caller_address = [](std::size_t offset) { return reinterpret_cast<void*>(kBase + offset); };
  const psa_invec in{caller_address(256), 4};
  const psa_outvec out{caller_address(512), 8};
  std::memcpy(arena, &in, sizeof in);
  std::memcpy(arena + 64, &out, sizeof out);
  std::memcpy(arena + 256, "abcd", 4);
  service.write = {6};
  const Request r{static_cast<const psa_invec*>(caller_address(0)), 1, static_cast<psa_outvec*>(caller_address(64)), 1};
  ASSERT_EQ(serve(r, Translating{arena}, *buffers, std::ref(service)), PSA_SUCCESS);
  ASSERT_EQ(service.inputs.size(), 1u);
  EXPECT_EQ(std::memcmp(service.inputs[0].data(), "abcd", 4), 0);
  EXPECT_EQ(std::count(arena + 512, arena + 518, std::byte{0x50}), 6);
  EXPECT_EQ(arena[518], std::byte{0});
  psa_outvec back;
  std::memcpy(&back, arena + 64, sizeof back);
  EXPECT_EQ(back.len, 6u);
  // And an address outside the arena is refused, not used.
  const psa_invec stray{caller_address(1020), 8};
  std::memcpy(arena, &stray, sizeof stray);
  EXPECT_EQ(serve(r, Translating{arena}, *buffers, std::ref(service)), std::unexpected{Refusal::input_refused});
}

TEST(BoundaryStatus, ClientsHearProgrammerErrorForMalformedCallsAndInvalidArgumentOtherwise) {
  EXPECT_EQ(client_status(Refusal::too_many_vectors), PSA_ERROR_PROGRAMMER_ERROR);
  EXPECT_EQ(client_status(Refusal::null_with_length), PSA_ERROR_PROGRAMMER_ERROR);
  EXPECT_EQ(client_status(Refusal::array_refused), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(client_status(Refusal::input_refused), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(client_status(Refusal::output_refused), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(client_status(Refusal::input_too_large), PSA_ERROR_INVALID_ARGUMENT);
}

// ---- The domain policy (the non-secure kernel, for user threads) ------------------------------------

PartitionMemory<256> rw_memory;
PartitionMemory<256> ro_memory;
constexpr Domain domain{Partition::of(rw_memory, Access::read_write), Partition::of(ro_memory, Access::read)};
alignas(32) std::byte stack[512];
alignas(32) std::byte kernel_memory[256];  // in no partition and not the stack

class DomainPolicy : public Boundary {
 protected:
  UserMemoryMap map{reinterpret_cast<std::uintptr_t>(stack), sizeof stack, domain};
  DomainMemory policy{map};

  // Arrays and vectors placed where a test says.
  psa_invec* in_array = reinterpret_cast<psa_invec*>(rw_memory.bytes);
  psa_outvec* out_array = reinterpret_cast<psa_outvec*>(rw_memory.bytes + 64);
  std::byte* data = rw_memory.bytes + 128;  // 128 bytes of the thread's read-write memory

  void SetUp() override {
    Boundary::SetUp();
    std::memset(rw_memory.bytes, 0, sizeof rw_memory.bytes);
    std::memset(ro_memory.bytes, 0x33, sizeof ro_memory.bytes);
  }
  std::expected<psa_status_t, Refusal> call(std::size_t in_len, std::size_t out_len) {
    return serve({in_array, in_len, out_array, out_len}, policy, *buffers, std::ref(service));
  }
};

TEST_F(DomainPolicy, VectorsInTheThreadsMemoryGoThrough) {
  in_array[0] = {ro_memory.bytes, 16};       // read-only memory is fine to read
  in_array[1] = {stack + 100, 8};            // and so is the thread's stack
  out_array[0] = {data, 32};
  out_array[1] = {stack + 200, 8};
  service.write = {4, 8};
  ASSERT_EQ(call(2, 2), PSA_SUCCESS);
  EXPECT_EQ(service.inputs[0], std::vector<std::byte>(16, std::byte{0x33}));
  EXPECT_EQ(out_array[0].len, 4u);
  EXPECT_EQ(out_array[1].len, 8u);
  EXPECT_EQ(data[0], std::byte{0x50});
}

TEST_F(DomainPolicy, AnInputOutsideTheThreadsMemoryIsRefused) {
  in_array[0] = {kernel_memory, 16};
  EXPECT_EQ(call(1, 0), std::unexpected{Refusal::input_refused});
  in_array[0] = {data + 120, 16};  // straddles the end of the partition
  EXPECT_EQ(call(1, 0), std::unexpected{Refusal::input_refused});
  EXPECT_EQ(service.calls, 0);
}

TEST_F(DomainPolicy, AnOutputInReadOnlyOrForeignMemoryIsRefused) {
  out_array[0] = {ro_memory.bytes, 16};
  EXPECT_EQ(call(0, 1), std::unexpected{Refusal::output_refused});
  out_array[0] = {kernel_memory, 16};
  EXPECT_EQ(call(0, 1), std::unexpected{Refusal::output_refused});
  // Larger than the partition: refused, though the service would only have seen part of it.
  out_array[0] = {data, 200};
  EXPECT_EQ(call(0, 1), std::unexpected{Refusal::output_refused});
  EXPECT_EQ(service.calls, 0);
  EXPECT_EQ(std::count(ro_memory.bytes, ro_memory.bytes + 256, std::byte{0x33}), 256);
}

TEST_F(DomainPolicy, ArraysOutsideTheThreadsMemoryAreRefused) {
  // The output array must be writable: the written lengths go back into it.
  auto* ro_out = reinterpret_cast<psa_outvec*>(ro_memory.bytes);
  EXPECT_EQ(serve({nullptr, 0, ro_out, 1}, policy, *buffers, std::ref(service)), std::unexpected{Refusal::array_refused});
  auto* foreign_in = reinterpret_cast<psa_invec*>(kernel_memory);
  EXPECT_EQ(serve({foreign_in, 1, nullptr, 0}, policy, *buffers, std::ref(service)),
            std::unexpected{Refusal::array_refused});
  // A read-only input array is fine.
  auto* ro_in = reinterpret_cast<psa_invec*>(ro_memory.bytes);
  std::memset(ro_memory.bytes, 0, sizeof(psa_invec));  // {nullptr, 0}: an empty vector
  EXPECT_EQ(serve({ro_in, 1, nullptr, 0}, policy, *buffers, std::ref(service)), PSA_SUCCESS);
  EXPECT_EQ(service.calls, 1);
}

// ---- relay (the non-secure kernel hands the call on to the veneer) ----------------------------------

TEST_F(Boundary, RelayHandsOnTheCheckedCopiesAndReturnsTheLengths) {
  Caller c;
  c.input(8);
  c.output(16);
  c.output(16);
  auto call = check(c.request(), TrustedMemory{});
  ASSERT_TRUE(call.has_value());
  int calls = 0;
  const psa_status_t status = relay(*call, [&](const psa_invec* in, std::size_t in_len, psa_outvec* out, std::size_t out_len) {
    ++calls;
    EXPECT_NE(in, c.in.data());  // copies, not the caller's arrays
    EXPECT_NE(out, c.out.data());
    EXPECT_EQ(in_len, 1u);
    EXPECT_EQ(out_len, 2u);
    EXPECT_EQ(in[0].base, c.in[0].base);
    EXPECT_EQ(out[1].len, 16u);
    out[0].len = 5;
    out[1].len = 1000;  // more than the caller's vector holds: it hears 16
    return PSA_SUCCESS;
  });
  EXPECT_EQ(status, PSA_SUCCESS);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(c.out[0].len, 5u);
  EXPECT_EQ(c.out[1].len, 16u);
}

TEST_F(Boundary, ARelayedCallTheNextBoundaryRefusesLeavesTheLengths) {
  Caller c;
  c.output(16);
  auto call = check(c.request(), TrustedMemory{});
  ASSERT_TRUE(call.has_value());
  EXPECT_EQ(relay(*call, [](const psa_invec*, std::size_t, psa_outvec*, std::size_t) { return PSA_ERROR_INVALID_ARGUMENT; }),
            PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(c.out[0].len, 16u);
}

}  // namespace
}  // namespace ward::secure::boundary
