// The implementations behind ward/syscalls.hpp, and the two dispatch tables built from its list.
// Every function here receives arguments that were already verified (or come from privileged
// code). User buffers are copied into the kernel before use, so another thread of the caller's
// domain cannot change them between the check and the use.
#include "ward/autoconf.h"
#include <algorithm>
#include <cstring>

#include "ward/board.hpp"
#include "ward/config.hpp"
#include "ward/kernel/isolation_core.hpp"
#include "ward/kernel/scheduler.hpp"
#include "ward/syscalls.hpp"

// Compiled only with CONFIG_WARD_USERSPACE: without it, nothing here is part of the kernel.
#if defined(CONFIG_WARD_USERSPACE)

// The yield call with the kernel lock held: for privileged callers (below), and for user threads
// straight from the SVC handler, which runs at the lock's priority (arch/arm/src/syscall_entry.cpp).
// One copy of the rotation for both.
extern "C" [[gnu::noinline, gnu::used]] void ward_yield_locked() { ward::kernel::scheduler().yield_current(); }

namespace ward::kernel {
namespace impl {
namespace {

// The largest queue item user threads may send or receive (copied through the kernel's stack).
constexpr std::size_t kMaxItem = 64;

Status yield() {
  // A system call always runs in thread mode: no interrupt check needed (this_thread::yield has one).
  {
    KernelLock lock;
    ward_yield_locked();
  }  // the switch happens here; the result is built after it, in registers
  return {};
}

Status sleep_for(Timeout t) {
  if (t.is_forever()) {
    return fail(Error::invalid_argument);
  }
  if (t.is_none()) {
    // A sleep of zero lets the others of its priority run, and returns.
    KernelLock lock;
    scheduler().yield_current();
    return {};
  }
  return this_thread::sleep_until(t.deadline(now()));
}

void thread_exit() { Isolation::exit_current(); }

Status time_now(std::span<std::uint64_t> out) {
  if (out.size() != 1) {
    return fail(Error::invalid_argument);
  }
  out[0] = now().ticks();
  return {};
}

Status console_write(std::span<const char> text) {
  char chunk[64];
  while (!text.empty()) {
    const std::size_t n = std::min(text.size(), sizeof chunk);
    std::memcpy(chunk, text.data(), n);
    board::console_write({chunk, n});
    text = text.subspan(n);
  }
  return {};
}

Status sem_give(Semaphore& s) { return s.give(); }
// Inlined into its entries: the semaphore's fast path then runs in the entry itself.
[[gnu::always_inline]] inline Status sem_take(Semaphore& s, CheckedTimeout t) { return s.take(t); }
Status mutex_lock(Mutex& m, Timeout t) { return m.lock(t); }
Status mutex_unlock(Mutex& m) { return m.unlock(); }

Status queue_send(QueueCore& q, std::span<const std::byte> item, Timeout t) {
  if (item.size() != q.item_size() || item.size() > kMaxItem) {
    return fail(Error::invalid_argument);
  }
  std::byte copy[kMaxItem];
  std::memcpy(copy, item.data(), item.size());
  return q.send(copy, t);
}

Status queue_receive(QueueCore& q, std::span<std::byte> out, Timeout t) {
  if (out.size() != q.item_size() || out.size() > kMaxItem) {
    return fail(Error::invalid_argument);
  }
  std::byte copy[kMaxItem];
  if (auto s = q.receive(copy, t); !s) {
    return s;
  }
  std::memcpy(out.data(), copy, out.size());
  return {};
}

Status event_set(EventFlags& e, std::uint32_t bits) {
  (void)e.set(bits);
  return {};
}

Result<std::uint32_t> event_wait(EventFlags& e, std::uint32_t mask, std::uint32_t options, Timeout t) {
  if ((options & ~(sys::kWaitAll | sys::kClearOnExit)) != 0) {
    return fail(Error::invalid_argument);
  }
  return e.wait(mask, (options & sys::kWaitAll) != 0 ? EventFlags::Wait::all : EventFlags::Wait::any,
                (options & sys::kClearOnExit) != 0, t);
}

// The secure services (kernel/src/secure_call.cpp).
Result<std::uint32_t> psa_call(std::span<SecureCallMessage> message) { return kernel::psa_call(message); }

// Sockets (kernel/src/socket.cpp; the network stack behind them is lib/net's). Unused without
// CONFIG_WARD_NET_SOCKETS (below).
[[maybe_unused]] Status net_open(std::span<std::uintptr_t> out, std::uint32_t type) { return socket_open(out, type); }
[[maybe_unused]] Status net_bind(Socket& s, std::span<const SocketAddress> a) { return socket_bind(s, a); }
[[maybe_unused]] Status net_connect(Socket& s, std::span<const SocketAddress> a) { return socket_connect(s, a); }
[[maybe_unused]] Status net_listen(Socket& s, std::uint32_t backlog) { return socket_listen(s, backlog); }
[[maybe_unused]] Status net_accept(Socket& s, std::span<AcceptedSocket> out) { return socket_accept(s, out); }
[[maybe_unused]] Result<std::uint32_t> net_send(Socket& s, std::span<const std::byte> d) { return socket_send(s, d); }
[[maybe_unused]] Result<std::uint32_t> net_recv(Socket& s, std::span<std::byte> d) { return socket_receive(s, d); }
[[maybe_unused]] Status net_close(Socket& s) { return socket_close(s); }
[[maybe_unused]] Status net_setopt(Socket& s, std::uint32_t option, std::uint32_t value) { return socket_set_option(s, option, value); }
[[maybe_unused]] Result<std::uint32_t> net_sendto(Socket& s, std::span<const std::byte> d) { return socket_send_to(s, d); }
[[maybe_unused]] Result<std::uint32_t> net_recvfrom(Socket& s, std::span<std::byte> d) { return socket_receive_from(s, d); }
[[maybe_unused]] Result<std::uint32_t> net_poll(std::span<PollEntry> entries, Timeout t) { return socket_poll(entries, t); }
[[maybe_unused]] Status net_resolve(std::span<const char> name, std::span<SocketAddress> out) { return socket_resolve(name, out); }
[[maybe_unused]] Status net_tls_hostname(Socket& s, std::span<const char> name) { return socket_tls_hostname(s, name); }

}  // namespace
}  // namespace impl

// The socket calls are compiled with CONFIG_WARD_NET_SOCKETS only. Without it their numbers stay
// (the list is ABI) and their entries answer not_supported at once, for user and privileged
// callers alike: they read no argument, so there is nothing to check.
constexpr bool compiled(std::uint32_t number) {
  return config::net_sockets || number < sys::net_open.kId || number > sys::net_tls_hostname.kId;
}
std::uint64_t not_supported(SyscallWord, SyscallWord, SyscallWord, SyscallWord) {
  return encode_result(Status{fail(Error::not_supported)});
}
template <std::uint32_t Number, class Signature, auto Impl>
constexpr SyscallEntry trusted_entry() {
  if constexpr (compiled(Number)) {
    return Syscall<Number, Signature>::template trusted_entry<Impl>();
  } else {
    return &not_supported;
  }
}
template <std::uint32_t Number, class Signature, auto Impl>
constexpr SyscallEntry verified_entry() {
  if constexpr (compiled(Number)) {
    return &Syscall<Number, Signature>::template verified<Impl>;
  } else {
    return &not_supported;
  }
}

#define WARD_TRUSTED_ENTRY(number, name, signature, implementation) \
  trusted_entry<number, signature, &(implementation)>(),
#define WARD_VERIFIED_ENTRY(number, name, signature, implementation) \
  verified_entry<number, signature, &(implementation)>(),
#define WARD_CHECK_NUMBER(number, name, signature, implementation) \
  static_assert((number) == __COUNTER__ - kFirstCounter, "system call numbers are 0, 1, 2, ... in order");

constexpr int kFirstCounter = __COUNTER__ + 1;
WARD_SYSCALLS(WARD_CHECK_NUMBER)

const SyscallEntry trusted_syscalls[] = {WARD_SYSCALLS(WARD_TRUSTED_ENTRY)};
extern "C" [[gnu::used]] const SyscallEntry ward_syscall_table[] = {WARD_SYSCALLS(WARD_VERIFIED_ENTRY)};

}  // namespace ward::kernel

#endif  // CONFIG_WARD_USERSPACE
