// Memory named by a user-mode thread: untrusted until checked.
//
// A system call receives user buffers as UserSpan<T>: an address and a count, with no way to read
// or write through it. The only way to the bytes is UserAccess::check(), which verifies the range
// against the calling thread's memory (its stack and its domain's partitions) with arithmetic that
// cannot wrap, and returns a view the kernel may use, or the reason it may not.
#pragma once
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <type_traits>

#include "ward/kernel/error.hpp"
#include "ward/kernel/memory_domain.hpp"

namespace ward {

// Why a user range was refused. Each is a distinct attack class in the tests.
enum class UserMemoryError : std::uint8_t {
  unaligned = 1,  // the address is not aligned for the element type
  wraps,          // address + length passes the end of the address space (or count * size overflows)
  not_accessible, // some byte lies outside the caller's stack and partitions (or lacks the right)
};

// `count` elements of T at a user address. Cannot be dereferenced.
template <class T>
class UserSpan {
  static_assert(std::is_trivially_copyable_v<std::remove_const_t<T>>, "user memory is copied byte for byte");

 public:
  constexpr UserSpan() = default;
  constexpr UserSpan(std::uintptr_t address, std::size_t count) : address_{address}, count_{count} {}
  // For the user side of a call: the caller's own buffer, sent as an address and a count.
  // cppcheck-suppress noExplicitConstructor ; implicit, so that a system call takes the caller's std::span as it is
  UserSpan(std::span<T> s) : address_{reinterpret_cast<std::uintptr_t>(s.data())}, count_{s.size()} {}

  constexpr std::uintptr_t address() const { return address_; }
  constexpr std::size_t count() const { return count_; }
  static constexpr bool kWrite = !std::is_const_v<T>;

 private:
  std::uintptr_t address_ = 0;
  std::size_t count_ = 0;
};

// The memory a user thread may reach: its stack and its domain, and for reading, the image's code
// and constants (string literals live there; the MPU lets every thread read them anyway).
struct UserMemoryMap {
  std::uintptr_t stack_base = 0;
  std::size_t stack_size = 0;
  DomainView domain{nullptr, 0};
  std::uintptr_t image_base = 0;
  std::size_t image_size = 0;

  template <class T>
  [[nodiscard]] std::expected<std::span<T>, UserMemoryError> check(UserSpan<T> s) const {
    if (s.address() % alignof(T) != 0) {
      return error(UserMemoryError::unaligned);
    }
    if (s.count() > SIZE_MAX / sizeof(T)) {
      return error(UserMemoryError::wraps);
    }
    const std::size_t bytes = s.count() * sizeof(T);
    if (bytes > UINTPTR_MAX - s.address()) {
      return error(UserMemoryError::wraps);
    }
    if (bytes != 0 && !permits(s.address(), bytes, UserSpan<T>::kWrite)) {
      return error(UserMemoryError::not_accessible);
    }
    // Safe: every byte of the range was just shown to be the caller's, with the right needed.
    return std::span<T>{reinterpret_cast<T*>(s.address()), s.count()};
  }


 private:
  static std::unexpected<UserMemoryError> error(UserMemoryError e) { return std::unexpected<UserMemoryError>{e}; }
  static bool inside(std::uintptr_t address, std::size_t size, std::uintptr_t base, std::size_t length) {
    return address >= base && address - base <= length && size <= length - (address - base);
  }
  bool permits(std::uintptr_t address, std::size_t size, bool write) const {
    if (inside(address, size, stack_base, stack_size)) {
      return true;
    }
    if (!write && inside(address, size, image_base, image_size)) {
      return true;
    }
    return domain.holds_buffer(address, size, write);
  }
};

}  // namespace ward
