// The kernel's part of the socket system calls (ward/kernel/socket.hpp): grants, objects, copies.
// The network stack behind them is lib/net's; the weak defaults at the end stand in for it in
// images without one.
#include "ward/autoconf.h"
#include "ward/kernel/socket.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "ward/kernel/object_table.hpp"
#include "ward/kernel/port.hpp"
#include "ward/kernel/scheduler.hpp"
#include "ward/kernel/thread.hpp"

// Compiled only with CONFIG_WARD_USERSPACE, like the other system calls.
#if defined(CONFIG_WARD_USERSPACE)

namespace ward::kernel {
namespace {

// Bit i: user thread i holds the network grant (Thread::grant_bit()).
std::atomic<std::uint32_t> network_grants{0};

// The thread making the call, or null for a privileged one (no grants needed, none given).
const Thread* user_caller() {
  const Thread* self = scheduler().current();
  return self != nullptr && self->is_user() ? self : nullptr;
}

// A new socket from the stack becomes a kernel object granted to the caller alone.
Result<std::uintptr_t> publish(Socket* s) {
  if (auto r = objects().add(s, ObjectType::socket); !r) {
    stack::close(*s);
    return fail(r.error());
  }
  if (const Thread* self = user_caller(); self != nullptr) {
    if (auto r = objects().grant(s, self->user_id()); !r) {
      (void)objects().withdraw(s);
      stack::close(*s);
      return fail(r.error());
    }
  }
  return reinterpret_cast<std::uintptr_t>(s);
}

// The address in user memory, copied before it is read: a thread of the caller's domain may
// change it meanwhile.
SocketAddress copy_address(std::span<const SocketAddress> address) {
  SocketAddress a;
  std::memcpy(&a, address.data(), sizeof a);
  return a;
}

bool one(std::size_t n) { return n == 1; }

}  // namespace

Status set_network_grant(const Thread& t, bool granted) {
  if (!t.is_user()) {
    return fail(Error::invalid_argument);
  }
  if (granted) {
    network_grants.fetch_or(t.grant_bit());
  } else {
    network_grants.fetch_and(~t.grant_bit());
  }
  return {};
}

bool network_granted(const Thread& t) { return !t.is_user() || (network_grants.load() & t.grant_bit()) != 0; }

Status socket_open(std::span<std::uintptr_t> handle_out, std::uint32_t type) {
  if (arch::in_isr()) {
    return fail(Error::in_isr);
  }
  if (const Thread* self = user_caller(); self != nullptr && !network_granted(*self)) {
    return fail(Error::not_permitted);
  }
  if (!one(handle_out.size())) {
    return fail(Error::invalid_argument);
  }
  auto s = stack::open(type);
  if (!s) {
    return fail(s.error());
  }
  auto handle = publish(*s);
  if (!handle) {
    return fail(handle.error());
  }
  handle_out[0] = *handle;
  return {};
}

Status socket_bind(Socket& s, std::span<const SocketAddress> address) {
  if (arch::in_isr()) {
    return fail(Error::in_isr);
  }
  if (!one(address.size())) {
    return fail(Error::invalid_argument);
  }
  return stack::bind(s, copy_address(address));
}

Status socket_connect(Socket& s, std::span<const SocketAddress> address) {
  if (arch::in_isr()) {
    return fail(Error::in_isr);
  }
  if (!one(address.size())) {
    return fail(Error::invalid_argument);
  }
  return stack::connect(s, copy_address(address));
}

Status socket_listen(Socket& s, std::uint32_t backlog) {
  if (arch::in_isr()) {
    return fail(Error::in_isr);
  }
  return stack::listen(s, backlog);
}

Status socket_accept(Socket& s, std::span<AcceptedSocket> out) {
  if (arch::in_isr()) {
    return fail(Error::in_isr);
  }
  if (!one(out.size())) {
    return fail(Error::invalid_argument);
  }
  AcceptedSocket result;
  auto accepted = stack::accept(s, result.peer);
  if (!accepted) {
    return fail(accepted.error());
  }
  auto handle = publish(*accepted);
  if (!handle) {
    return fail(handle.error());
  }
  result.socket = *handle;
  std::memcpy(out.data(), &result, sizeof result);
  return {};
}

// Data: the span was checked by the entry; the stack copies it in the calling thread, through a
// buffer of its own, before lwIP's thread sees it (stack::send, stack::receive).
Result<std::uint32_t> socket_send(Socket& s, std::span<const std::byte> data) {
  if (arch::in_isr()) {
    return fail(Error::in_isr);
  }
  auto sent = stack::send(s, data.first(std::min(data.size(), kSocketMaxTransfer)));
  if (!sent) {
    return fail(sent.error());
  }
  return static_cast<std::uint32_t>(*sent);
}

Result<std::uint32_t> socket_receive(Socket& s, std::span<std::byte> data) {
  if (arch::in_isr()) {
    return fail(Error::in_isr);
  }
  auto got = stack::receive(s, data.first(std::min(data.size(), kSocketMaxTransfer)));
  if (!got) {
    return fail(got.error());
  }
  return static_cast<std::uint32_t>(*got);
}

Status socket_close(Socket& s) {
  if (arch::in_isr()) {
    return fail(Error::in_isr);
  }
  // Withdrawn first: from here on the handle is unknown to every thread, so no other call can
  // start on a socket the stack is freeing.
  if (auto w = objects().withdraw(&s); !w) {
    return w;
  }
  stack::close(s);
  return {};
}

Status socket_set_option(Socket& s, std::uint32_t option, std::uint32_t value) {
  if (arch::in_isr()) {
    return fail(Error::in_isr);
  }
  return stack::set_option(s, option, value);
}

// ---- Defaults for an image without a network stack ---------------------------------------------
namespace stack {
[[gnu::weak]] Result<Socket*> open(std::uint32_t) { return fail(Error::not_supported); }
[[gnu::weak]] Status bind(Socket&, const SocketAddress&) { return fail(Error::not_supported); }
[[gnu::weak]] Status connect(Socket&, const SocketAddress&) { return fail(Error::not_supported); }
[[gnu::weak]] Status listen(Socket&, std::uint32_t) { return fail(Error::not_supported); }
[[gnu::weak]] Result<Socket*> accept(Socket&, SocketAddress&) { return fail(Error::not_supported); }
[[gnu::weak]] Result<std::size_t> send(Socket&, std::span<const std::byte>) { return fail(Error::not_supported); }
[[gnu::weak]] Result<std::size_t> receive(Socket&, std::span<std::byte>) { return fail(Error::not_supported); }
[[gnu::weak]] Status set_option(Socket&, std::uint32_t, std::uint32_t) { return fail(Error::not_supported); }
[[gnu::weak]] void close(Socket&) {}
}  // namespace stack

}  // namespace ward::kernel

#endif  // CONFIG_WARD_USERSPACE
