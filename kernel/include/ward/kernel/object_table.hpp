// Kernel objects reachable from user mode, and who may use them.
//
// A user thread names a kernel object by a Handle: the object's address, which user code can form
// without reading kernel memory (`ward::Handle{ping}`), but which the kernel never trusts. Every
// system call looks the handle up in this table: unknown addresses (forged, or an object that was
// withdrawn), objects of another type and objects not granted to the calling thread are refused.
// Grants are per thread (a bit per user thread); withdrawing an object drops all of its grants,
// so a handle kept from before is stale for good.
#pragma once
#include <array>
#include <cstdint>
#include <expected>

#include "ward/config.hpp"
#include "ward/kernel/error.hpp"

namespace ward {
class Semaphore;
class Mutex;
class EventFlags;
class Thread;
class Socket;
namespace kernel {
class QueueCore;
}

enum class ObjectType : std::uint8_t { semaphore = 1, mutex, queue, event_flags, socket };

template <class T>
inline constexpr ObjectType object_type_of = ObjectType{};
template <>
inline constexpr ObjectType object_type_of<Semaphore> = ObjectType::semaphore;
template <>
inline constexpr ObjectType object_type_of<Mutex> = ObjectType::mutex;
template <>
inline constexpr ObjectType object_type_of<kernel::QueueCore> = ObjectType::queue;
template <>
inline constexpr ObjectType object_type_of<EventFlags> = ObjectType::event_flags;
template <>
inline constexpr ObjectType object_type_of<Socket> = ObjectType::socket;

// The name of a kernel object of type T, as user code passes it to a system call.
template <class T>
class Handle {
 public:
  constexpr explicit Handle(std::uintptr_t raw) : raw_{raw} {}
  // Implicit by design: a call names the object itself, `sys::sem_take(sem, timeout)`.
  // cppcheck-suppress noExplicitConstructor ; implicit by design: a call names the object itself
  Handle(T& object) : raw_{reinterpret_cast<std::uintptr_t>(&object)} {}
  constexpr std::uintptr_t raw() const { return raw_; }

 private:
  std::uintptr_t raw_;
};

// Why a handle was refused. Each is a distinct attack class in the tests.
enum class HandleError : std::uint8_t {
  unknown = 1,  // not a registered object: forged, or withdrawn (stale)
  wrong_type,   // a registered object of another type
  not_granted,  // the calling thread has no grant for it
};

namespace kernel {

class ObjectTable {
 public:
  static constexpr std::size_t kCapacity = config::max_kernel_objects;

  // Makes `object` reachable by handle (no thread holds a grant yet).
  Status add(const void* object, ObjectType type);
  // The object is going away: its handle stops working, for every thread.
  Status withdraw(const void* object);
  Status grant(const void* object, unsigned user_id);
  Status revoke(const void* object, unsigned user_id);

  // The object a handle names, if the caller (user_id) may use it as `type`. On every system
  // call, so without the kernel lock: writers (under the lock) publish an entry's object last and
  // clear it first, and the reader re-reads the object after type and grants; an entry that changed
  // meanwhile reads as unknown, as if the call had come after the change.
  [[gnu::always_inline]] std::expected<void*, HandleError> lookup(std::uintptr_t handle, ObjectType type,
                                                                  unsigned user_id) const {
    return lookup_granted(handle, type, user_id < 32 ? 1u << user_id : 0u);
  }
  // The same, given the caller's grant bit (Thread::grant_bit(); 0 matches no grant).
  [[gnu::always_inline]] std::expected<void*, HandleError> lookup_granted(std::uintptr_t handle, ObjectType type,
                                                                          std::uint32_t grant_bit) const {
    // The handle is only compared, never dereferenced: a forged value finds nothing. (Zero would
    // match a free entry.)
    if (handle == 0) {
      return std::unexpected{HandleError::unknown};
    }
    // The loop tests its first entry before any bound: an object near the front is found
    // without the loop's setup. (A kernel without user mode has no table.)
    if constexpr (kCapacity == 0) {
      return std::unexpected{HandleError::unknown};
    }
    const Entry* e = entries_.data();
    while (reinterpret_cast<std::uintptr_t>(e->object) != handle) {
      if (++e == entries_.data() + kCapacity) {
        return std::unexpected{HandleError::unknown};
      }
    }
    // The entry's fields are volatile: the compiler keeps these reads in this order (type and
    // grants, then the object again) without a memory barrier -- one would also force the
    // system call's own argument words out of registers onto the stack. (One core: the hardware
    // reads them in program order too.)
    const std::uint32_t t = e->type;
    const std::uint32_t g = e->grants;
    if (reinterpret_cast<std::uintptr_t>(e->object) != handle) {
      return std::unexpected{HandleError::unknown};
    }
    if (t != static_cast<std::uint32_t>(type)) {
      return std::unexpected{HandleError::wrong_type};
    }
    if ((g & grant_bit) == 0) {
      return std::unexpected{HandleError::not_granted};
    }
    // The object is the handle, which the entry was just seen to hold after its type and grants
    // were read (no third read of the entry). It is a mutable kernel object, the one the system
    // call works on (the table records addresses as const void*).
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the address of a registered object (above)
    return reinterpret_cast<void*>(handle);
  }

 private:
  struct Entry {
    const void* volatile object = nullptr;
    volatile std::uint32_t type = 0;  // an ObjectType, as a word: read without a zero-extension
    volatile std::uint32_t grants = 0;  // bit i: user thread i
  };
  Entry* find(const void* object);
  std::array<Entry, kCapacity> entries_{};
};

ObjectTable& objects();

}  // namespace kernel

// Withdraws an object from user mode (before it is destroyed or reused): every grant goes, and
// its handle stops working. grant() (ward/isolation.hpp) registers objects.
template <class T>
Status withdraw(T& object) {
  if constexpr (requires { object.core(); }) {
    return kernel::objects().withdraw(&object.core());
  } else {
    return kernel::objects().withdraw(&object);
  }
}

}  // namespace ward
