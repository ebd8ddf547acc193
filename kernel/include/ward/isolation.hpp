// Isolation: user-mode threads, memory domains, kernel-object grants and fault reports, in one
// include for the place where an application declares its system (docs/isolation.md).
#pragma once
#include "ward/kernel/fault_report.hpp"
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

}  // namespace ward
