// TLS sockets (ward/tls/sockets.hpp): a static pool of contexts (slots), each with a ward::tls::Client,
// a worker thread that runs that Client's calls, and a heap of its own for Mbed TLS
// (platform.hpp, add_session_heap). Compiled inside each image (ward_tls_sockets), against its
// configuration (CONFIG_WARD_NET_TLS_SOCKETS).
//
// A call from a socket (lib/net's TlsSocketEngine) runs in the calling thread, privileged: it copies
// the user's data into the context's buffer (send) and hands the context to the slot's worker, then
// waits for the answer and copies the received plaintext out (receive). Mbed TLS and lwIP see only the
// context's buffer, in kernel .bss; the caller's memory was checked by the system call's entry.
//
// What a session creates in the secure world (its volatile keys, its multi-part operations) counts
// against the quota of the user thread that opened the socket, not the kernel's (the worker makes its
// calls under kernel::SecureCallsFor): a user thread gets no more of the secure world through its
// sockets than through its own calls. The charge is safe against the reuse of the thread's number:
// a stopped thread's sockets are closed, and with them their sessions' keys and operations, before
// a new program can run under that number (kernel/src/socket.cpp, the reaper).
//
// One worker per slot, not one for all: a peer that stalls its session holds that slot's worker
// only (for its timeout at most), never another socket's; and one heap per slot: a peer that makes
// its session allocate more (a longer chain, bigger records) exhausts its own heap only.
#include "ward/autoconf.h"
#include "ward/tls/sockets.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>

extern "C" {
#include "lwip/ip_addr.h"
}

#include "ward/kernel.hpp"
#include "ward/kernel/secure_call.hpp"
#include "ward/kernel/socket.hpp"
#include "ward/kernel/thread.hpp"
#include "ward/net/tls_sockets.hpp"
#include "ward/stack_bound.hpp"
#include "platform.hpp"

#if defined(CONFIG_WARD_NET_TLS_SOCKETS)
#define WARD_TLS_SOCKET_POOL CONFIG_WARD_NET_TLS_SOCKETS
#else
#define WARD_TLS_SOCKET_POOL 1
#endif

// The engine speaks the kernel's Result and Error (ward::); ward::tls's are named tls::.
namespace ward::net {
namespace {

constexpr std::size_t kContexts = WARD_TLS_SOCKET_POOL;
// The handshake (X.509 parsing, ECDSA through the PSA client, Mbed TLS's state machine) needs
// several KiB of stack: 4,484 B bound in tests/net/tls_mutual (measured 2026-12-05; the link's stack
// bound checks it, WARD_STACK_BOUND_THREAD below). One per slot.
constexpr std::size_t kWorkerStack = 6144;
static_assert(kContexts <= tls::kMaxSessionHeaps, "CONFIG_WARD_NET_TLS_SOCKETS: at most 4 slots (kernel/Kconfig)");

// One socket call at a time on a context (a privileged thread may share a socket).
class LockGuard {
 public:
  explicit LockGuard(Mutex& m) : m_{m} { (void)m_.lock(); }
  ~LockGuard() { (void)m_.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  Mutex& m_;
};

enum class Op : std::uint8_t { none, connect, send, receive, close };

struct Context {
  bool used = false;                       // guarded by pool_lock
  bool connected = false;                  // the worker's; read by the socket's own calls
  bool identity = false;                   // present the device identity (kSocketTlsIdentity)
  std::uint32_t account = 0;               // kernel::secure_account_of the thread that opened it
  std::atomic<bool> interrupted{false};    // the kernel is closing the socket
  std::uint32_t timeout_ms = 0;            // 0: the image's default
  std::array<char, kSocketMaxHostname + 1> hostname{};
  // One request at a time (call_lock): what to do, and its answer. `request` wakes the slot's worker.
  Mutex call_lock;
  Semaphore request{0, 1};
  Op op = Op::none;
  SocketAddress address;
  std::array<std::byte, kSocketMaxTransfer> buffer{};
  std::size_t length = 0;
  tls::Error failure = tls::Error::invalid_state;
  bool failed = false;
  Semaphore done{0, 1};
  tls::Client client;
};

std::array<Context, kContexts> contexts;
Mutex pool_lock;
tls::SocketOptions options_in_use;
bool enabled = false;

// Slot i's worker runs on worker_stacks[i] and allocates from heaps[i] (platform.hpp).
ThreadStack<kWorkerStack> worker_stacks[kContexts];
Thread workers[kContexts];
alignas(8) unsigned char heaps[kContexts][tls::kSessionHeapSize];
}  // namespace
}  // namespace ward::net

// The slots' allocators (lib/tls/src/heap_arena.inc): slot i's is heap i + 1's.
extern "C" {
#define WARD_TLS_ARENA_DECLARE(n)                                     \
  void ward_tls_arena##n##_init(unsigned char* buf, std::size_t len); \
  void* ward_tls_arena##n##_calloc(std::size_t count, std::size_t size); \
  void ward_tls_arena##n##_free(void* ptr);
WARD_TLS_ARENA_DECLARE(1)
WARD_TLS_ARENA_DECLARE(2)
WARD_TLS_ARENA_DECLARE(3)
WARD_TLS_ARENA_DECLARE(4)
#undef WARD_TLS_ARENA_DECLARE
}

namespace ward::net {
namespace {
// Only the image's slots' allocators are named, so only theirs are linked.
constexpr std::array<tls::HeapAllocator, kContexts> kAllocators = [] {
  constexpr tls::HeapAllocator all[] = {
      {ward_tls_arena1_init, ward_tls_arena1_calloc, ward_tls_arena1_free},
      {ward_tls_arena2_init, ward_tls_arena2_calloc, ward_tls_arena2_free},
      {ward_tls_arena3_init, ward_tls_arena3_calloc, ward_tls_arena3_free},
      {ward_tls_arena4_init, ward_tls_arena4_calloc, ward_tls_arena4_free},
  };
  std::array<tls::HeapAllocator, kContexts> mine{};
  for (std::size_t i = 0; i < kContexts; ++i) {
    mine[i] = all[i];
  }
  return mine;
}();
constexpr const char* kWorkerNames[] = {"tls worker 0", "tls worker 1", "tls worker 2", "tls worker 3"};
static_assert(std::size(kWorkerNames) >= kContexts);

Error to_kernel(tls::Error e) {
  switch (e) {
    case tls::Error::timeout: return Error::timeout;
    case tls::Error::no_resources: return Error::no_resources;
    case tls::Error::invalid_argument: return Error::invalid_argument;
    case tls::Error::invalid_state:
    case tls::Error::no_time:
    case tls::Error::not_initialised: return Error::invalid_state;
    default: return Error::connection;  // certificate, handshake, record, identity, ...
  }
}

ip_addr_t to_lwip(const SocketAddress& a) {
  ip_addr_t ip{};
  if (a.family == SocketAddress::kIpv6) {
    std::uint32_t words[4];
    std::memcpy(words, a.address, sizeof words);
    IP_ADDR6(&ip, words[0], words[1], words[2], words[3]);
  } else {
    IP_ADDR4(&ip, a.address[0], a.address[1], a.address[2], a.address[3]);
  }
  return ip;
}

// ---- The workers: each runs its own slot's Client calls ---------------------------------------------

tls::Status run_connect(Context& c) {
  tls::ClientOptions o;
  o.trust_anchors = options_in_use.trust_anchors;
  o.identity = c.identity ? options_in_use.device_identity : nullptr;
  o.timeout_ms = c.timeout_ms != 0 ? c.timeout_ms : options_in_use.timeout_ms;
  // The whole handshake: a server that trickles its flight holds the slot's worker this long at
  // most, not for as long as it keeps each byte within the timeout.
  o.handshake_timeout_ms = o.timeout_ms > UINT32_MAX / 3 ? UINT32_MAX : o.timeout_ms * 3;
  // A close or an abort of the caller ends the worker's waits for this session (interrupt()).
  o.cancel = &c.interrupted;
  const ip_addr_t ip = to_lwip(c.address);
  if (auto r = c.client.connect(ip, c.address.port, c.hostname.data(), o); !r) {
    return fail(r.error());
  }
  c.connected = true;
  return {};
}

void run(Context& c) {
  c.failed = false;
  if (c.interrupted && c.op != Op::close) {
    c.failed = true;
    c.failure = tls::Error::connection;
    return;
  }
  tls::Result<std::size_t> r = std::size_t{0};
  switch (c.op) {
    case Op::connect:
      if (auto s = run_connect(c); !s) {
        r = fail(s.error());
      }
      break;
    case Op::send: r = c.client.write({c.buffer.data(), c.length}); break;
    case Op::receive:
      r = c.client.read({c.buffer.data(), c.length});
      if (!r && r.error() == tls::Error::closed) {
        r = std::size_t{0};  // the peer's close_notify: the end of the stream, as recv(2) says it
      }
      break;
    case Op::close:
      c.client.close();
      c.connected = false;
      break;
    case Op::none: break;
  }
  if (!r) {
    c.failed = true;
    c.failure = r.error();
  } else {
    c.length = *r;
  }
}

void work(void* slot) {
  Context& c = *static_cast<Context*>(slot);
  for (;;) {
    if (!c.request.take()) {
      continue;
    }
    const kernel::SecureCallsFor owner{c.account};
    run(c);
    (void)c.done.give();
  }
}
WARD_STACK_BOUND_THREAD(worker_stacks, work);

// The wait for the worker's answer, which an abort of the waiting thread ends (Error::aborted).
Status take_abortably(Semaphore& done) {
  const kernel::AbortableWait abortable;
  return done.take();
}

// Hands `op` to the slot's worker and waits for its answer. The wait ends when the worker has answered:
// every Client call is bounded by the session's timeout (ClientOptions::timeout_ms) or lwIP's
// connect timeout, and the context's buffer must not be reused before the worker is done with it.
// An abort of the waiting thread (a user thread killed in net_connect or net_recv: the system
// call's AbortDeferral holds it until the call returns) cancels the worker's waits on the session
// (ClientOptions::cancel) and then waits for its answer, which comes within a slice of the
// transport's waits: the thread ends at once, not when the peer's timeout would have run out.
Result<std::size_t> hand_over(Context& c, Op op) {
  c.op = op;
  // call_lock and the wait below keep one request at a time: the worker has taken the last one.
  if (auto s = c.request.give(); !s) {
    return fail(s.error());
  }
  if (!take_abortably(c.done)) {
    c.interrupted = true;  // the session is over: every later call on it fails (run())
    (void)c.done.take();   // not abortable: the worker still has the context until it answers
  }
  if (c.failed) {
    return fail(to_kernel(c.failure));
  }
  return c.length;
}

Context& of(void* context) { return *static_cast<Context*>(context); }

}  // namespace

// ---- The engine lib/net calls (ward/net/tls_sockets.hpp) -------------------------------------------
namespace tls_socket {

Result<void*> open() {
  if (!enabled) {
    return fail(Error::not_supported);  // before ward::tls::enable_sockets
  }
  (void)pool_lock.lock();
  for (Context& c : contexts) {
    if (!c.used) {
      c.used = true;
      c.connected = false;
      c.identity = false;
      c.account = kernel::secure_account_of(this_thread::current());
      c.interrupted = false;
      c.timeout_ms = 0;
      c.hostname.fill('\0');
      (void)pool_lock.unlock();
      return static_cast<void*>(&c);
    }
  }
  (void)pool_lock.unlock();
  return fail(Error::no_resources);
}

Status set_hostname(void* context, const char* name) {
  Context& c = of(context);
  const LockGuard guard{c.call_lock};
  if (c.connected) {
    return fail(Error::invalid_state);
  }
  const std::size_t n = std::min(std::strlen(name), kSocketMaxHostname);
  c.hostname.fill('\0');
  std::memcpy(c.hostname.data(), name, n);
  return {};
}

Status set_identity(void* context, bool present) {
  Context& c = of(context);
  const LockGuard guard{c.call_lock};
  if (present && options_in_use.device_identity == nullptr) {
    return fail(Error::not_supported);  // the image has no identity to present
  }
  if (c.connected) {
    return fail(Error::invalid_state);
  }
  c.identity = present;
  return {};
}

Status set_timeout(void* context, std::uint32_t microseconds) {
  Context& c = of(context);
  const LockGuard guard{c.call_lock};
  c.timeout_ms = microseconds / 1000 + (microseconds % 1000 != 0 ? 1 : 0);
  return {};
}

Status connect(void* context, const SocketAddress& address) {
  Context& c = of(context);
  const LockGuard guard{c.call_lock};
  if (c.connected || c.hostname[0] == '\0') {
    return fail(Error::invalid_state);  // connected already, or no name to check the server by
  }
  if (address.family != SocketAddress::kIpv4 && address.family != SocketAddress::kIpv6) {
    return fail(Error::invalid_argument);
  }
  c.address = address;
  if (auto r = hand_over(c, Op::connect); !r) {
    return fail(r.error());
  }
  return {};
}

Result<std::size_t> send(void* context, std::span<const std::byte> data) {
  Context& c = of(context);
  const LockGuard guard{c.call_lock};
  if (!c.connected) {
    return fail(Error::invalid_state);
  }
  c.length = std::min(data.size(), c.buffer.size());
  std::memcpy(c.buffer.data(), data.data(), c.length);  // the copy: Mbed TLS reads only this buffer
  return hand_over(c, Op::send);
}

Result<std::size_t> receive(void* context, std::span<std::byte> data) {
  Context& c = of(context);
  const LockGuard guard{c.call_lock};
  if (!c.connected) {
    return fail(Error::invalid_state);
  }
  c.length = std::min(data.size(), c.buffer.size());
  if (c.length == 0) {
    return std::size_t{0};
  }
  auto got = hand_over(c, Op::receive);
  if (got) {
    std::memcpy(data.data(), c.buffer.data(), *got);  // the copy into the caller's (checked) memory
  }
  return got;
}

std::uint16_t poll(void* context) {
  // The session's records are the worker's to read: a TLS socket says only that it can send.
  return of(context).connected ? kPollOut : 0;
}

void interrupt(void* context) { of(context).interrupted = true; }

void close(void* context) {
  Context& c = of(context);
  {
    const LockGuard guard{c.call_lock};
    (void)hand_over(c, Op::close);  // close_notify, best effort, and the TCP close
    c.hostname.fill('\0');
    c.buffer.fill(std::byte{0});  // no plaintext left behind for the slot's next socket
  }
  (void)pool_lock.lock();
  c.used = false;
  (void)pool_lock.unlock();
}

}  // namespace tls_socket
}  // namespace ward::net

namespace ward::tls {

Status enable_sockets(const SocketOptions& options) {
  if (options.trust_anchors.empty()) {
    return fail(Error::invalid_argument);
  }
  using namespace net;  // the engine's state
  if (enabled) {
    return fail(Error::invalid_state);
  }
  options_in_use = options;
  // Each slot's heap before its worker runs (the heap is chosen by the stack allocating from it).
  for (std::size_t i = 0; i < kContexts; ++i) {
    if (!add_session_heap(i, heaps[i], worker_stacks[i].span(), kAllocators[i])) {
      return fail(Error::not_initialised);  // before init(), or called again after a failure
    }
  }
  for (std::size_t i = 0; i < kContexts; ++i) {
    if (!workers[i].start(worker_stacks[i].span(), &work, &contexts[i], Priority{15}, kWorkerNames[i])) {
      return fail(Error::no_resources);
    }
  }
  enabled = true;
  return {};
}

}  // namespace ward::tls
