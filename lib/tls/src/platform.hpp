// lib/tls's internal link between the client and the platform glue (platform.cpp).
#pragma once
#include <cstddef>
#include <span>

namespace ward::tls {

bool platform_init();   // Mbed TLS's heap and calendar; true once done
bool platform_ready();  // platform_init() succeeded

// The heaps (docs/networking.md, "TLS sockets"). Heap 0 (heap_size() bytes, in platform.cpp) serves
// every thread but the TLS socket workers. Each TLS socket slot has a heap of its own, of
// kSessionHeapSize bytes: whatever Mbed TLS allocates while running on that slot's worker stack
// comes from it (a free goes to the heap that holds the block), so one session can never take
// another's memory, nor a Client used directly theirs. One session's worst case, as heap 0's: the
// 16 KiB input record buffer, the 4 KiB output one, the handshake, the peer's parsed chain.
inline constexpr std::size_t kSessionHeapSize = 32 * 1024;
inline constexpr std::size_t kMaxSessionHeaps = 4;  // CONFIG_WARD_NET_TLS_SOCKETS's range

// A heap's allocator: Mbed TLS's buffer allocator, one copy per heap (heap_arena.inc): slot i's is
// ward_tls_arena<i + 1>_*. The image's sockets.cpp names those of its slots only, so an image links
// the allocators it uses.
struct HeapAllocator {
  void (*init)(unsigned char* buf, std::size_t len) = nullptr;
  void* (*calloc)(std::size_t n, std::size_t size) = nullptr;
  void (*free)(void* ptr) = nullptr;
};

// Privileged code, before the thread on `stack` starts (ward/tls/sockets.hpp's enable_sockets):
// gives slot `index` (0 .. kMaxSessionHeaps - 1) the heap `heap` (8-byte aligned), run by
// `allocator`, for every allocation made on `stack`. False if the index is out of range, already
// given, or platform_init() has not run.
bool add_session_heap(std::size_t index, std::span<unsigned char> heap, std::span<const std::byte> stack,
                      const HeapAllocator& allocator);
// The highest byte of slot `index`'s heap ever written (as heap_peak()); 0 for a slot not given.
std::size_t session_heap_peak(std::size_t index);

}  // namespace ward::tls
