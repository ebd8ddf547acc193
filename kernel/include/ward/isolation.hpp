// Isolation: user-mode threads, memory domains, kernel-object grants and fault reports, in one
// include for the place where an application declares its system (docs/isolation.md).
#pragma once
#include "ward/kernel/fault_report.hpp"
#include "ward/kernel/isolation_core.hpp"
#include "ward/kernel/memory_domain.hpp"
#include "ward/kernel/object_table.hpp"
#include "ward/kernel/queue.hpp"
#include "ward/kernel/thread.hpp"
#include "ward/kernel/user_memory.hpp"
#include "ward/syscalls.hpp"

namespace ward {

namespace detail {
template <class T>
auto& kernel_object(T& object) {
  if constexpr (requires { object.core(); }) {
    return object.core();  // a Queue<T, N> is reached through its type-independent core
  } else {
    return object;
  }
}
}  // namespace detail

// Grants a user thread the use of `object` through system calls (registering the object on first
// grant). Privileged code only.
template <class T>
Status grant(T& object, const Thread& thread) {
  auto& o = detail::kernel_object(object);
  using Core = std::remove_cvref_t<decltype(o)>;
  if (!thread.is_user()) {
    return fail(Error::invalid_argument);
  }
  if (auto s = kernel::objects().add(&o, object_type_of<Core>); !s && s.error() != Error::invalid_state) {
    return s;
  }
  return kernel::objects().grant(&o, thread.user_id());
}

template <class T>
Status revoke(T& object, const Thread& thread) {
  return kernel::objects().revoke(&detail::kernel_object(object), thread.user_id());
}

// Grants a user thread (created with create_user) the secure service `service` (WARD_SERVICE_* of
// ward/secure/call.h) where the service acts for the whole device rather than for its caller:
// Firmware Update. Without the grant a user thread's calls to it are refused with
// PSA_ERROR_NOT_PERMITTED before they leave the kernel; privileged threads need none. Privileged
// code only; the grant stays with the thread object (restarts included) until revoked.
inline Status grant_secure_service(Thread& thread, std::uint32_t service) {
  return kernel::Isolation::set_secure_service(thread, service, true);
}
inline Status revoke_secure_service(Thread& thread, std::uint32_t service) {
  return kernel::Isolation::set_secure_service(thread, service, false);
}

// Grants a user thread the network: it may open sockets (net_open); every socket it opens or
// accepts is granted to it alone (ward/kernel/socket.hpp). Without it, net_open answers
// Error::not_permitted. Privileged threads need none. Privileged code only.
inline Status grant_network(const Thread& thread) { return kernel::set_network_grant(thread, true); }
inline Status revoke_network(const Thread& thread) { return kernel::set_network_grant(thread, false); }

// Grants a user thread the device's TLS identity: its TLS sockets may present the device
// certificate and sign with the device key (kSocketTlsIdentity; the key never leaves the secure
// world). Without it that option answers Error::not_permitted. Privileged code only.
inline Status grant_tls_identity(const Thread& thread) { return kernel::set_tls_identity_grant(thread, true); }
inline Status revoke_tls_identity(const Thread& thread) { return kernel::set_tls_identity_grant(thread, false); }

}  // namespace ward
