// Ward's system calls: the one list. Each line declares a call's number, name, signature and
// implementation (kernel/src/syscalls.cpp). From this list come:
//   - ward::sys::<name>(...): the call as user code makes it (privileged code may use it too);
//   - the kernel's table of verified entries that the SVC handler dispatches to;
//   - the attack tests (tests/isolation): every Handle and UserSpan argument of every call is
//     attacked with every class of bad value, so a new call is tested the day it is declared.
// Numbers are ABI: append new calls, never renumber.
#pragma once
#include <cstdint>

#include "ward/kernel/event_flags.hpp"
#include "ward/kernel/mutex.hpp"
#include "ward/kernel/queue.hpp"
#include "ward/kernel/secure_call.hpp"
#include "ward/kernel/semaphore.hpp"
#include "ward/kernel/socket.hpp"
#include "ward/kernel/syscall.hpp"

// X(number, name, signature, implementation)
#define WARD_SYSCALLS(X)                                                                                  \
  X(0, yield, ward::Status(), impl::yield)                                                                \
  X(1, sleep_for, ward::Status(ward::UserTimeout), impl::sleep_for)                                       \
  X(2, thread_exit, void(), impl::thread_exit)                                                            \
  X(3, time_now, ward::Status(ward::UserSpan<std::uint64_t>), impl::time_now)                             \
  X(4, console_write, ward::Status(ward::UserSpan<const char>), impl::console_write)                       \
  X(5, sem_give, ward::Status(ward::Handle<ward::Semaphore>), impl::sem_give)                             \
  X(6, sem_take, ward::Status(ward::Handle<ward::Semaphore>, ward::UserTimeout), impl::sem_take)          \
  X(7, mutex_lock, ward::Status(ward::Handle<ward::Mutex>, ward::UserTimeout), impl::mutex_lock)          \
  X(8, mutex_unlock, ward::Status(ward::Handle<ward::Mutex>), impl::mutex_unlock)                         \
  X(9, queue_send,                                                                                        \
    ward::Status(ward::Handle<ward::kernel::QueueCore>, ward::UserSpan<const std::byte>, ward::UserTimeout), \
    impl::queue_send)                                                                                     \
  X(10, queue_receive,                                                                                    \
    ward::Status(ward::Handle<ward::kernel::QueueCore>, ward::UserSpan<std::byte>, ward::UserTimeout),    \
    impl::queue_receive)                                                                                  \
  X(11, event_set, ward::Status(ward::Handle<ward::EventFlags>, std::uint32_t), impl::event_set)          \
  X(12, event_wait,                                                                                       \
    ward::Result<std::uint32_t>(ward::Handle<ward::EventFlags>, std::uint32_t, std::uint32_t, ward::UserTimeout), \
    impl::event_wait)                                                                                    \
  X(13, psa_call, ward::Result<std::uint32_t>(ward::UserSpan<ward::SecureCallMessage>), impl::psa_call)      \
  X(14, net_open, ward::Status(ward::UserSpan<std::uintptr_t>, std::uint32_t), impl::net_open)             \
  X(15, net_bind, ward::Status(ward::Handle<ward::Socket>, ward::UserSpan<const ward::SocketAddress>),     \
    impl::net_bind)                                                                                       \
  X(16, net_connect, ward::Status(ward::Handle<ward::Socket>, ward::UserSpan<const ward::SocketAddress>),  \
    impl::net_connect)                                                                                    \
  X(17, net_listen, ward::Status(ward::Handle<ward::Socket>, std::uint32_t), impl::net_listen)             \
  X(18, net_accept, ward::Status(ward::Handle<ward::Socket>, ward::UserSpan<ward::AcceptedSocket>),        \
    impl::net_accept)                                                                                     \
  X(19, net_send, ward::Result<std::uint32_t>(ward::Handle<ward::Socket>, ward::UserSpan<const std::byte>), \
    impl::net_send)                                                                                       \
  X(20, net_recv, ward::Result<std::uint32_t>(ward::Handle<ward::Socket>, ward::UserSpan<std::byte>),      \
    impl::net_recv)                                                                                       \
  X(21, net_close, ward::Status(ward::Handle<ward::Socket>), impl::net_close)                              \
  X(22, net_setopt, ward::Status(ward::Handle<ward::Socket>, std::uint32_t, std::uint32_t), impl::net_setopt) \
  X(23, net_sendto, ward::Result<std::uint32_t>(ward::Handle<ward::Socket>, ward::UserSpan<const std::byte>), \
    impl::net_sendto)                                                                                     \
  X(24, net_recvfrom, ward::Result<std::uint32_t>(ward::Handle<ward::Socket>, ward::UserSpan<std::byte>),  \
    impl::net_recvfrom)                                                                                   \
  X(25, net_poll, ward::Result<std::uint32_t>(ward::UserSpan<ward::PollEntry>, ward::UserTimeout), impl::net_poll) \
  X(26, net_resolve, ward::Status(ward::UserSpan<const char>, ward::UserSpan<ward::SocketAddress>), impl::net_resolve) \
  X(27, net_tls_hostname, ward::Status(ward::Handle<ward::Socket>, ward::UserSpan<const char>), impl::net_tls_hostname)

namespace ward::sys {

#define WARD_DECLARE_SYSCALL(number, name, signature, implementation) \
  inline constexpr Syscall<number, signature> name{};
WARD_SYSCALLS(WARD_DECLARE_SYSCALL)
#undef WARD_DECLARE_SYSCALL

// NOLINTNEXTLINE(bugprone-macro-parentheses): the expansion is `0 +1 +1 ...`, a sum that parentheses would break
#define WARD_COUNT_SYSCALL(number, name, signature, implementation) +1
inline constexpr std::uint32_t kCount = 0 WARD_SYSCALLS(WARD_COUNT_SYSCALL);
#undef WARD_COUNT_SYSCALL

// event_wait options
inline constexpr std::uint32_t kWaitAll = 1;
inline constexpr std::uint32_t kClearOnExit = 2;

// Conveniences over the calls above, for user code.
template <class T, std::size_t N>
Status send(Queue<T, N>& q, const T& item, UserTimeout t = UserTimeout::forever()) {
  return queue_send(q.core(), UserSpan<const std::byte>{reinterpret_cast<std::uintptr_t>(&item), sizeof item}, t);
}
template <class T, std::size_t N>
Status receive(Queue<T, N>& q, T& item, UserTimeout t = UserTimeout::forever()) {
  return queue_receive(q.core(), UserSpan<std::byte>{reinterpret_cast<std::uintptr_t>(&item), sizeof item}, t);
}
inline Status print(std::string_view text) {
  return console_write(UserSpan<const char>{reinterpret_cast<std::uintptr_t>(text.data()), text.size()});
}

}  // namespace ward::sys
