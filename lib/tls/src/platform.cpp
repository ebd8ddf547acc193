// Mbed TLS's platform for the TLS client (lib/tls): its heap, its clocks and the end of the road.
//
// Compiled once per preset with the TLS configuration (lib/tls/config), so it includes no per-image
// header: time comes from lwIP's sys_now() (the kernel clock, through lwIP's port).
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <ctime>

#include <psa/crypto.h>

#include "mbedtls/platform.h"
#include "mbedtls/platform_time.h"
#include "mbedtls/platform_util.h"
#include "ward/board.hpp"
#include "ward/exit_status.hpp"
#include "ward/print.hpp"
#include "ward/tls/calendar.hpp"
#include "ward/tls/client.hpp"

extern "C" {
#include "lwip/sys.h"
}

#include "platform.hpp"

namespace ward::tls {
namespace {

// Heap 0, for Clients used directly (every thread but the TLS socket workers). One connection's
// worst case: the 16 KiB input record buffer (a peer's default), the 4 KiB output one, the handshake
// (transcript hashes are handles: the state is in the secure world), and the peer's parsed chain.
// docs/networking.md has the measured peak.
constexpr std::size_t kHeapSize = 32 * 1024;
alignas(8) unsigned char heap[kHeapSize];

// The TLS socket slots' heaps (platform.hpp, add_session_heap): heap 1 + index for allocations on
// the slot's worker stack. Written before the workers start, read-only afterwards.
struct SessionHeap {
  std::uintptr_t heap_begin = 0;
  std::uintptr_t heap_end = 0;  // empty: not given
  std::uintptr_t stack_begin = 0;
  std::uintptr_t stack_end = 0;
  HeapAllocator allocator{};
};
std::array<SessionHeap, kMaxSessionHeaps> session_heaps{};

bool contains(std::uintptr_t begin, std::uintptr_t end, std::uintptr_t address) {
  return begin <= address && address < end;
}

// The calendar: seconds since 1970 at lwIP's millisecond clock reading `base_ms`.
// 32-bit words (the Cortex-M33 has no 64-bit atomics): seconds fit until 2106.
std::atomic<std::uint32_t> base_seconds{0};
std::atomic<std::uint32_t> base_ms{0};
std::atomic<bool> time_known{false};

mbedtls_time_t calendar_now(mbedtls_time_t* out) {
  const std::int64_t now = !time_known.load() ? 0
                                              : static_cast<std::int64_t>(base_seconds.load()) +
                                                    static_cast<std::int64_t>((sys_now() - base_ms.load()) / 1000);
  if (out != nullptr) {
    *out = static_cast<mbedtls_time_t>(now);
  }
  return static_cast<mbedtls_time_t>(now);
}

bool initialised = false;

}  // namespace
}  // namespace ward::tls

// Heap 0's allocator (heap_arena.inc, heap_arena0.c); the slots' come with add_session_heap.
extern "C" {
void ward_tls_arena0_init(unsigned char* buf, std::size_t len);
void* ward_tls_arena0_calloc(std::size_t n, std::size_t size);
void ward_tls_arena0_free(void* ptr);
}

namespace ward::tls {
namespace {

std::uintptr_t stack_pointer() {
  std::uintptr_t sp = 0;
  asm volatile("mov %0, sp" : "=r"(sp));
  return sp;
}

// Mbed TLS's calloc and free (mbedtls_platform_set_calloc_free). An allocation comes from the heap
// of the slot whose worker stack the caller runs on, else heap 0; a block goes back to the heap
// that holds it (a pointer in none goes to heap 0, whose allocator refuses it: mbedtls_exit).
void* route_calloc(std::size_t n, std::size_t size) {
  const std::uintptr_t sp = stack_pointer();
  for (std::size_t i = 0; i < session_heaps.size(); ++i) {
    const SessionHeap& h = session_heaps[i];
    if (h.heap_end != 0 && contains(h.stack_begin, h.stack_end, sp)) {
      return h.allocator.calloc(n, size);  // ward_tls_arena<i + 1>_calloc (stackbound.conf)
    }
  }
  return ward_tls_arena0_calloc(n, size);
}

void route_free(void* ptr) {
  if (ptr == nullptr) {
    return;
  }
  const auto address = reinterpret_cast<std::uintptr_t>(ptr);
  for (std::size_t i = 0; i < session_heaps.size(); ++i) {
    const SessionHeap& h = session_heaps[i];
    if (h.heap_end != 0 && contains(h.heap_begin, h.heap_end, address)) {
      h.allocator.free(ptr);  // ward_tls_arena<i + 1>_free (stackbound.conf)
      return;
    }
  }
  ward_tls_arena0_free(ptr);
}

// The highest byte written in `bytes`, which started zeroed (heap_peak()).
std::size_t highest_written(const unsigned char* bytes, std::size_t size) {
  for (std::size_t i = size; i > 0; --i) {
    if (bytes[i - 1] != 0) {
      return i;
    }
  }
  return 0;
}

}  // namespace

void set_time(std::int64_t unix_seconds) {
  base_ms.store(sys_now());
  base_seconds.store(unix_seconds < 0 ? 0u : static_cast<std::uint32_t>(unix_seconds));
  time_known.store(true);
}

bool has_time() { return time_known.load(); }

std::int64_t time_now() { return static_cast<std::int64_t>(calendar_now(nullptr)); }

bool platform_init() {
  if (initialised) {
    return true;
  }
  ward_tls_arena0_init(heap, sizeof heap);
  if (mbedtls_platform_set_calloc_free(&route_calloc, &route_free) != 0 ||
      mbedtls_platform_set_time(&calendar_now) != 0) {
    return false;
  }
  initialised = true;
  return true;
}

bool platform_ready() { return initialised; }

bool add_session_heap(std::size_t index, std::span<unsigned char> bytes, std::span<const std::byte> stack,
                      const HeapAllocator& allocator) {
  if (!initialised || index >= session_heaps.size() || session_heaps[index].heap_end != 0 || bytes.empty() ||
      stack.empty() || reinterpret_cast<std::uintptr_t>(bytes.data()) % 8 != 0 || allocator.init == nullptr ||
      allocator.calloc == nullptr || allocator.free == nullptr) {
    return false;
  }
  allocator.init(bytes.data(), bytes.size());
  (void)mbedtls_platform_set_calloc_free(&route_calloc, &route_free);  // the arena installed its own
  SessionHeap& h = session_heaps[index];
  h.allocator = allocator;
  h.heap_begin = reinterpret_cast<std::uintptr_t>(bytes.data());
  h.stack_begin = reinterpret_cast<std::uintptr_t>(stack.data());
  h.stack_end = h.stack_begin + stack.size();
  h.heap_end = h.heap_begin + bytes.size();  // last: the entry is live from here
  return true;
}

std::size_t session_heap_peak(std::size_t index) {
  if (index >= session_heaps.size() || session_heaps[index].heap_end == 0) {
    return 0;
  }
  const SessionHeap& h = session_heaps[index];
  return highest_written(reinterpret_cast<const unsigned char*>(h.heap_begin), h.heap_end - h.heap_begin);
}

// The allocator starts from a zeroed buffer and hands out blocks from its low end; the highest
// byte ever written is a close lower bound of the peak extent (a block whose last bytes stayed
// zero is missed). A figure, not a check.
std::size_t heap_peak() { return highest_written(heap, sizeof heap); }

std::size_t heap_size() { return kHeapSize; }

}  // namespace ward::tls

extern "C" {

// MBEDTLS_PLATFORM_GMTIME_R_ALT: x509.c turns the calendar time into fields to compare validity
// periods with. No time zone: UTC.
struct tm* mbedtls_platform_gmtime_r(const mbedtls_time_t* tt, struct tm* tm_buf) {
  if (tt == nullptr || tm_buf == nullptr) {
    return nullptr;
  }
  const auto c = ward::tls::civil_from_unix(static_cast<std::int64_t>(*tt));
  std::memset(tm_buf, 0, sizeof *tm_buf);
  tm_buf->tm_year = c.year - 1900;
  tm_buf->tm_mon = c.month - 1;
  tm_buf->tm_mday = c.day;
  tm_buf->tm_hour = c.hour;
  tm_buf->tm_min = c.minute;
  tm_buf->tm_sec = c.second;
  return tm_buf;
}

// Mbed TLS's message digests ask the PSA core whether it is ready for a hash (md.c); here the core
// is the secure world, ready once ward::tls::init() ran psa_crypto_init(), and it implements every
// hash the configuration names. Before init() no TLS code runs.
int psa_can_do_hash(psa_algorithm_t /*hash_alg*/) { return ward::tls::platform_ready() ? 1 : 0; }

// MBEDTLS_PLATFORM_MS_TIME_ALT: a millisecond clock for Mbed TLS's timers.
mbedtls_ms_time_t mbedtls_ms_time(void) { return static_cast<mbedtls_ms_time_t>(sys_now()); }

// MBEDTLS_PLATFORM_EXIT_MACRO: the buffer allocator found its heap corrupted (an overflow in Mbed
// TLS or a caller). Nothing can be trusted any more: stop like a kernel panic.
void ward_mbedtls_exit(int status) {
  ward::print("*** KERNEL PANIC: the TLS heap is corrupted (mbedtls_exit(", status, "))\n");
  ward::board::exit(static_cast<int>(ward::ExitStatus::panic));
}

}  // extern "C"
