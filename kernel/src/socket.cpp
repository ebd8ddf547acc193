// The kernel's part of the socket system calls (ward/kernel/socket.hpp): grants, objects, copies.
// The network stack behind them is lib/net's; the weak defaults at the end stand in for it in
// images without one.
#include "ward/autoconf.h"
#include "ward/kernel/socket.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <string_view>

#include "ward/kernel/mutex.hpp"
#include "ward/kernel/object_table.hpp"
#include "ward/kernel/port.hpp"
#include "ward/kernel/scheduler.hpp"
#include "ward/kernel/semaphore.hpp"
#include "ward/kernel/thread.hpp"
#include "ward/panic.hpp"
#include "ward/stack_bound.hpp"

// Compiled only with CONFIG_WARD_USERSPACE, like the other system calls.
#if defined(CONFIG_WARD_USERSPACE)

namespace ward::kernel {
namespace {

// Bit i: user thread i holds the network grant (Thread::grant_bit()).
std::atomic<std::uint32_t> network_grants{0};
// Bit i: user thread i holds the TLS identity grant.
std::atomic<std::uint32_t> tls_identity_grants{0};

// What the kernel keeps about each socket: whose it is and which calls are inside the stack on it.
// Every socket is a kernel object, so there are never more than the object table holds. Changed
// and read under the kernel lock only.
struct Record {
  bool used = false;         // taken (a socket being opened or accepted has no `socket` yet)
  Socket* socket = nullptr;
  Thread* owner = nullptr;   // the user thread that opened or accepted it; null: a privileged one
  std::uint8_t in_flight = 0;  // calls inside the stack on it
  bool closing = false;      // withdrawn: no call may start, freed once in_flight is 0
  bool orphaned = false;     // its owner stopped: the reaper closes it (not in the owner's quota)
};
constinit std::array<Record, config::max_kernel_objects> records{};

// The kernel thread that closes a stopped thread's sockets: lwIP may not be called from the fault
// handler or with the kernel lock held, where a thread's end is noticed. Started by the first
// socket a user thread gets. lwIP's calls need the stack of a system call and some more.
constexpr std::size_t kReaperStack = 2048;
ThreadStack<kReaperStack> reaper_stack;
constinit Thread reaper;
constinit Semaphore reap_signal{0, 1};
bool reaper_started = false;

// How long a close waits between attempts to end the calls in flight on its socket.
constexpr Duration kCloseRetry = Duration::ms(5);

Record* record_of(const Socket* s) {
  for (Record& r : records) {
    if (r.used && r.socket == s) {
      return &r;
    }
  }
  return nullptr;
}

// The thread making the call, or null for a privileged one (no grants needed, none given).
Thread* user_caller() {
  Thread* self = scheduler().current();
  return self != nullptr && self->is_user() ? self : nullptr;
}

// A record for a socket about to be opened or accepted: within the caller's quota.
Result<Record*> reserve(Thread* owner) {
  KernelLock lock;
  std::size_t held = 0;
  Record* free = nullptr;
  for (Record& r : records) {
    if (r.used && owner != nullptr && r.owner == owner && !r.orphaned) {
      ++held;
    }
    if (!r.used && free == nullptr) {
      free = &r;
    }
  }
  if (owner != nullptr && held >= static_cast<std::size_t>(config::net_sockets_per_thread)) {
    return fail(Error::quota);
  }
  if (free == nullptr) {
    return fail(Error::no_resources);
  }
  *free = Record{true, nullptr, owner, 0, false, false};
  return free;
}

void release(Record& r) {
  KernelLock lock;
  r = Record{};
}

void reap(void*);
#if defined(CONFIG_WARD_NET_SOCKETS)
// The reaper's stack and entry: its bound (the closes it makes into the network stack) is checked
// at every link of an image with sockets (only there is it reachable: the record keeps it linked).
WARD_STACK_BOUND_THREAD(reaper_stack, reap);
#endif

void start_reaper() {
  {
    KernelLock lock;
    if (reaper_started) {
      return;
    }
    reaper_started = true;
  }
  if (!reaper.start(reaper_stack.span(), &reap, nullptr, Priority{Priority::kHighest}, "socket reaper")) {
    panic("sockets: cannot start the reaper");
  }
}

// A new socket from the stack becomes a kernel object granted to the caller alone.
Result<std::uintptr_t> publish(Record& r, Socket* s) {
  {
    KernelLock lock;
    r.socket = s;
  }
  if (auto a = objects().add(s, ObjectType::socket); !a) {
    stack::close(*s);
    release(r);
    return fail(a.error());
  }
  if (r.owner != nullptr) {
    start_reaper();
    if (auto g = objects().grant(s, r.owner->user_id()); !g) {
      (void)objects().withdraw(s);
      stack::close(*s);
      release(r);
      return fail(g.error());
    }
  }
  return reinterpret_cast<std::uintptr_t>(s);
}

// A call on `s` from here to its end: refused once the socket is closing; counted so a close waits
// for it (the stack's state of the call, lwIP's message and mailbox wait, must not be freed under
// it); and not cut short by an abort (AbortDeferral), for the same reason: an abort of a thread
// inside one takes effect when the call returns. A wait in the netconn's mailbox (receive, accept)
// is ended by the abort, though (lib/net's port: kernel::AbortableWait), so that is at once.
class InFlight {
 public:
  explicit InFlight(Socket& s) : socket_{s}, status_{enter(s)} {}
  ~InFlight() {
    if (status_) {
      KernelLock lock;
      if (Record* r = record_of(&socket_); r != nullptr) {
        --r->in_flight;
      }
    }
  }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
  const Status& status() const { return status_; }

 private:
  static Status enter(const Socket& s) {
    KernelLock lock;
    Record* r = record_of(&s);
    if (r == nullptr || r->closing || r->orphaned) {
      return fail(Error::connection);  // closed since the entry looked the handle up
    }
    // The entry checked the caller's grant; the slot may have been closed and reopened since.
    if (const Thread* self = user_caller(); self != nullptr && r->owner != self) {
      return fail(Error::connection);
    }
    ++r->in_flight;
    return {};
  }
  AbortDeferral no_abort_;  // first: it ends last, after the count is given back
  Socket& socket_;
  Status status_;
};

// Closes a withdrawn socket: no new call starts on it, the ones in flight are ended (the stack
// wakes them with an error; asked again until none is left, since a call may be on its way into
// a wait), then the stack frees it. In thread context: it calls lwIP and waits.
void close_withdrawn(Socket& s) {
  Record* r = nullptr;
  {
    KernelLock lock;
    r = record_of(&s);
    if (r == nullptr) {
      return;
    }
    r->closing = true;
  }
  for (;;) {
    {
      KernelLock lock;
      if (r->in_flight == 0) {
        break;
      }
    }
    stack::interrupt(s);
    (void)this_thread::sleep_for(kCloseRetry);
  }
  stack::close(s);
  release(*r);
}

// The next orphaned socket (and its former owner), or null.
Record* next_orphan() {
  KernelLock lock;
  for (Record& r : records) {
    if (r.used && r.orphaned && r.socket != nullptr) {
      return &r;
    }
  }
  return nullptr;
}

bool has_orphans_of(const Thread& t) {
  for (const Record& r : records) {
    if (r.used && r.orphaned && r.owner == &t) {
      return true;
    }
  }
  return false;
}

void reap(void*) {
  for (;;) {
    (void)reap_signal.take(Timeout::forever());
    while (Record* r = next_orphan()) {
      Thread* owner = r->owner;
      close_withdrawn(*r->socket);
      KernelLock lock;
      if (!has_orphans_of(*owner)) {
        scheduler().end_completed(*owner);  // its joiners return; the Thread may be reused
      }
    }
  }
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

// A thread ended (halt(): kernel lock held, maybe in the fault handler). Its sockets' handles go
// at once, for every thread, so nothing that runs on this Thread object next can reach them; the
// reaper closes them, and the end waits for that.
void sockets_thread_ended(Thread& t) {
  if (!t.is_user()) {
    return;
  }
  bool any = false;
  for (Record& r : records) {
    if (r.used && r.owner == &t && !r.orphaned && !r.closing && r.socket != nullptr) {
      (void)objects().withdraw(r.socket);
      r.orphaned = true;
      any = true;
    }
  }
  if (any) {
    scheduler().defer_end(t);
    (void)reap_signal.give();
  }
}

void sockets_reset() {
  records = {};
  std::destroy_at(&reaper);
  std::construct_at(&reaper);
  std::destroy_at(&reap_signal);
  std::construct_at(&reap_signal, 0u, 1u);
  reaper_started = false;
}

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

Status set_tls_identity_grant(const Thread& t, bool granted) {
  if (!t.is_user()) {
    return fail(Error::invalid_argument);
  }
  if (granted) {
    tls_identity_grants.fetch_or(t.grant_bit());
  } else {
    tls_identity_grants.fetch_and(~t.grant_bit());
  }
  return {};
}

bool tls_identity_granted(const Thread& t) {
  return !t.is_user() || (tls_identity_grants.load() & t.grant_bit()) != 0;
}

Status socket_open(std::span<std::uintptr_t> handle_out, std::uint32_t type) {
  if (arch::in_isr()) {
    return fail(Error::in_isr);
  }
  Thread* self = user_caller();
  if (self != nullptr && !network_granted(*self)) {
    return fail(Error::not_permitted);
  }
  if (!one(handle_out.size())) {
    return fail(Error::invalid_argument);
  }
  AbortDeferral no_abort;  // the socket is the caller's only once it is published
  auto record = reserve(self);
  if (!record) {
    return fail(record.error());
  }
  auto s = stack::open(type);
  if (!s) {
    release(**record);
    return fail(s.error());
  }
  auto handle = publish(**record, *s);
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
  const InFlight call{s};
  if (!call.status()) {
    return call.status();
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
  const InFlight call{s};
  if (!call.status()) {
    return call.status();
  }
  // The device's identity is the grant's to give at each connection, not only when the option was
  // set: a grant revoked since then withdraws it, and the handshake goes without it. (Other sockets
  // refuse the option: nothing to withdraw.)
  if (const Thread* self = user_caller(); self != nullptr && !tls_identity_granted(*self)) {
    (void)stack::set_option(s, kSocketTlsIdentity, 0);
  }
  return stack::connect(s, copy_address(address));
}

Status socket_listen(Socket& s, std::uint32_t backlog) {
  if (arch::in_isr()) {
    return fail(Error::in_isr);
  }
  const InFlight call{s};
  if (!call.status()) {
    return call.status();
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
  const InFlight call{s};
  if (!call.status()) {
    return call.status();
  }
  auto record = reserve(user_caller());  // the quota, before a connection is taken off the queue
  if (!record) {
    return fail(record.error());
  }
  AcceptedSocket result;
  auto accepted = stack::accept(s, result.peer);
  if (!accepted) {
    release(**record);
    return fail(accepted.error());
  }
  auto handle = publish(**record, *accepted);
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
  const InFlight call{s};
  if (!call.status()) {
    return fail(call.status().error());
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
  const InFlight call{s};
  if (!call.status()) {
    return fail(call.status().error());
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
  AbortDeferral no_abort;  // lwIP's state of the close lives on this thread's stack
  // Withdrawn first: from here on the handle is unknown to every thread, so no other call can
  // start on a socket the stack is freeing; the calls already in flight are ended and waited for.
  if (auto w = objects().withdraw(&s); !w) {
    return w;
  }
  close_withdrawn(s);
  return {};
}

Status socket_set_option(Socket& s, std::uint32_t option, std::uint32_t value) {
  if (arch::in_isr()) {
    return fail(Error::in_isr);
  }
  // The device's identity is the grant's to give: checked here, before the stack sees the option.
  if (const Thread* self = user_caller(); option == kSocketTlsIdentity && value != 0 && self != nullptr &&
                                          !tls_identity_granted(*self)) {
    return fail(Error::not_permitted);
  }
  const InFlight call{s};
  if (!call.status()) {
    return call.status();
  }
  return stack::set_option(s, option, value);
}

// ---- Datagrams with an address, poll, resolve ---------------------------------------------------

namespace {

bool known_family(const SocketAddress& a) {
  return a.family == SocketAddress::kIpv4 || a.family == SocketAddress::kIpv6;
}

// How often net_poll looks again while nothing is ready: lwIP's events come from its own thread,
// and a poller checks the sockets' state rather than wait on each of them.
constexpr Duration kPollInterval = Duration::ms(2);

// The socket a poll entry names, if it is one the caller may use: found by comparing the word
// with the kernel's records (never dereferenced), open, and the caller's (a user thread's own
// socket; a privileged caller, any). Null otherwise.
Socket* pollable(std::uintptr_t word) {
  KernelLock lock;
  const Thread* self = user_caller();
  for (const Record& r : records) {
    if (r.used && r.socket != nullptr && reinterpret_cast<std::uintptr_t>(r.socket) == word && !r.closing &&
        !r.orphaned && (self == nullptr || r.owner == self)) {
      return r.socket;
    }
  }
  return nullptr;
}

std::uint16_t poll_one(const PollEntry& e) {
  Socket* s = pollable(e.socket);
  if (s == nullptr) {
    return kPollInvalid;
  }
  const InFlight call{*s};
  if (!call.status()) {
    return kPollInvalid;  // closed since it was found
  }
  const std::uint16_t seen = stack::poll(*s);
  return static_cast<std::uint16_t>((seen & e.events) | (seen & kPollError));
}

std::uint32_t poll_all(std::span<PollEntry> entries) {
  std::uint32_t ready = 0;
  for (PollEntry& e : entries) {
    e.revents = poll_one(e);
    ready += e.revents != 0 ? 1 : 0;
  }
  return ready;
}

}  // namespace

Result<std::uint32_t> socket_send_to(Socket& s, std::span<const std::byte> datagram) {
  if (arch::in_isr()) {
    return fail(Error::in_isr);
  }
  if (datagram.size() < kDatagramHeader) {
    return fail(Error::invalid_argument);
  }
  SocketAddress to;
  std::memcpy(&to, datagram.data(), sizeof to);  // the copy: read once, in kernel memory
  if (!known_family(to)) {
    return fail(Error::invalid_argument);
  }
  const InFlight call{s};
  if (!call.status()) {
    return fail(call.status().error());
  }
  const auto payload = datagram.subspan(kDatagramHeader);
  auto sent = stack::send_to(s, to, payload.first(std::min(payload.size(), kSocketMaxTransfer)));
  if (!sent) {
    return fail(sent.error());
  }
  return static_cast<std::uint32_t>(*sent);
}

Result<std::uint32_t> socket_receive_from(Socket& s, std::span<std::byte> datagram) {
  if (arch::in_isr()) {
    return fail(Error::in_isr);
  }
  if (datagram.size() < kDatagramHeader) {
    return fail(Error::invalid_argument);
  }
  const InFlight call{s};
  if (!call.status()) {
    return fail(call.status().error());
  }
  const auto payload = datagram.subspan(kDatagramHeader);
  SocketAddress from;
  auto got = stack::receive_from(s, from, payload.first(std::min(payload.size(), kSocketMaxTransfer)));
  if (!got) {
    return fail(got.error());
  }
  std::memcpy(datagram.data(), &from, sizeof from);
  return static_cast<std::uint32_t>(*got);
}

// The entries are copied in, checked and answered in kernel memory, and copied back once: a
// thread of the caller's domain may change them meanwhile. Each names its socket by handle; one
// that is not the caller's (unknown, closed, another thread's) is answered kPollInvalid, whichever
// of these it is.
Result<std::uint32_t> socket_poll(std::span<PollEntry> entries, Timeout timeout) {
  if (arch::in_isr()) {
    return fail(Error::in_isr);
  }
  if (entries.empty() || entries.size() > kSocketPollMax) {
    return fail(Error::invalid_argument);
  }
  std::array<PollEntry, kSocketPollMax> copy;
  std::memcpy(copy.data(), entries.data(), entries.size_bytes());
  const std::span<PollEntry> mine{copy.data(), entries.size()};
  for (const PollEntry& e : mine) {
    if ((e.events & ~(kPollIn | kPollOut)) != 0) {
      return fail(Error::invalid_argument);
    }
  }
  const Instant deadline = timeout.is_forever() || timeout.is_none() ? Instant{} : timeout.deadline(now());
  std::uint32_t ready = poll_all(mine);
  while (ready == 0 && !timeout.is_none()) {
    Duration wait = kPollInterval;
    if (!timeout.is_forever()) {
      const Instant at = now();
      if (at >= deadline) {
        break;
      }
      wait = std::min(wait, deadline - at);
    }
    (void)this_thread::sleep_for(wait);
    ready = poll_all(mine);
  }
  for (std::size_t i = 0; i < mine.size(); ++i) {
    entries[i].revents = mine[i].revents;  // only the answers are written back
  }
  return ready;
}

namespace {

// A name DNS can carry: labels of 1-63 bytes between dots (one trailing dot allowed). lwIP writes
// each label's length into one byte of the query unchecked: a longer label would become a
// compression pointer, an empty one end the name early.
bool dns_name_shape_ok(std::string_view name) {
  if (name.ends_with('.')) {
    name.remove_suffix(1);
  }
  std::size_t label = 0;
  for (const char c : name) {
    if (c != '.') {
      ++label;
      if (label > kDnsMaxLabel) {
        return false;
      }
    } else if (label == 0) {
      return false;
    } else {
      label = 0;
    }
  }
  return label != 0;
}

}  // namespace

Status socket_resolve(std::span<const char> name, std::span<SocketAddress> out) {
  if (arch::in_isr()) {
    return fail(Error::in_isr);
  }
  if (const Thread* self = user_caller(); self != nullptr && !network_granted(*self)) {
    return fail(Error::not_permitted);
  }
  if (!one(out.size()) || name.empty() || name.size() > kSocketMaxName) {
    return fail(Error::invalid_argument);
  }
  std::array<char, kSocketMaxName + 1> copy{};
  std::memcpy(copy.data(), name.data(), name.size());  // the copy: the stack reads only this one
  if (std::memchr(copy.data(), '\0', name.size()) != nullptr) {
    return fail(Error::invalid_argument);  // a name with a NUL inside would be cut
  }
  if (!dns_name_shape_ok({copy.data(), name.size()})) {
    return fail(Error::invalid_argument);
  }
  SocketAddress found;
  {
    AbortDeferral no_abort;  // lwIP's request for it lives on this thread's stack
    if (auto r = stack::resolve(copy.data(), found); !r) {
      return r;
    }
  }
  std::memcpy(out.data(), &found, sizeof found);
  return {};
}

// A TLS socket's hostname: copied and terminated before the stack sees it, like net_resolve's name.
// The shape DNS needs is not asked for: the name is compared with the certificate's, not resolved.
namespace {
// socket_tls_hostname's copy of a user's name (the kernel's .bss, out of every user's reach).
constinit std::array<char, kSocketMaxHostname + 1> hostname_copy{};
Mutex hostname_lock;
}  // namespace

Status socket_tls_hostname(Socket& s, std::span<const char> name) {
  if (arch::in_isr()) {
    return fail(Error::in_isr);
  }
  if (name.empty() || name.size() > kSocketMaxHostname) {
    return fail(Error::invalid_argument);
  }
  const InFlight call{s};
  if (!call.status()) {
    return call.status();
  }
  // The copy goes to a kernel buffer, one name at a time, not onto the caller's kernel stack: 254
  // bytes there made the call deeper than a user thread's kernel stack (the link's stack bound).
  if (const Status locked = hostname_lock.lock(); !locked) {
    return locked;
  }
  hostname_copy.fill('\0');
  std::memcpy(hostname_copy.data(), name.data(), name.size());  // the copy: the stack reads only this one
  Status result = fail(Error::invalid_argument);                 // a name with a NUL inside would be cut
  if (std::memchr(hostname_copy.data(), '\0', name.size()) == nullptr) {
    result = stack::set_tls_hostname(s, hostname_copy.data());
  }
  (void)hostname_lock.unlock();
  return result;
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
[[gnu::weak]] Result<std::size_t> send_to(Socket&, const SocketAddress&, std::span<const std::byte>) {
  return fail(Error::not_supported);
}
[[gnu::weak]] Result<std::size_t> receive_from(Socket&, SocketAddress&, std::span<std::byte>) {
  return fail(Error::not_supported);
}
[[gnu::weak]] std::uint16_t poll(Socket&) { return 0; }
[[gnu::weak]] Status resolve(const char*, SocketAddress&) { return fail(Error::not_supported); }
[[gnu::weak]] Status set_tls_hostname(Socket&, const char*) { return fail(Error::not_supported); }
[[gnu::weak]] void interrupt(Socket&) {}
[[gnu::weak]] void close(Socket&) {}
}  // namespace stack

}  // namespace ward::kernel

#endif  // CONFIG_WARD_USERSPACE
