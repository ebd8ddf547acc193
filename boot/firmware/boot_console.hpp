// The bootloader's console (UART0, polled) and its way to stop.
#pragma once
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "ward/fmt.hpp"

namespace ward::bootloader {

void console_write(std::string_view text);

// One argument of say(): a text, a number, a character or a 32-bit hexadecimal value. Messages
// are type-erased into a list of these so that every message goes through one out-of-line
// function (say_list) instead of a fmt::write instance per message's argument types, each with
// its own Writer: 240 B less of the chain bootloader's 24 KiB ROM. The list is built in the
// caller's frame from typed constructors, so nothing is formatted from an unchecked format string.
class SayArg {
 public:
  explicit SayArg(std::string_view text)
      : value_{reinterpret_cast<std::uintptr_t>(text.data())}, size_{static_cast<std::uint32_t>(text.size())} {}
  // A C string (a literal, or e.g. image::to_string()), measured when printed.
  explicit SayArg(const char* text) : value_{reinterpret_cast<std::uintptr_t>(text)}, size_{kCString} {}
  template <std::unsigned_integral T>
    requires(sizeof(T) <= sizeof(std::uint32_t) && !std::same_as<T, bool>)
  explicit constexpr SayArg(T number) : value_{number}, size_{kNumber} {}
  explicit constexpr SayArg(char c) : value_{static_cast<std::uint8_t>(c)}, size_{kChar} {}
  // Registers only: the bootloader prints no wider hexadecimal value.
  explicit constexpr SayArg(fmt::Hex h) : value_{static_cast<std::uint32_t>(h.value)}, size_{kHex} {}

  void put(fmt::Writer& w) const;

 private:
  static constexpr std::uint32_t kNumber = 0xFFFFFFFF, kChar = 0xFFFFFFFE, kHex = 0xFFFFFFFD,
                                 kCString = 0xFFFFFFFC;
  std::uintptr_t value_;  // a text's address, or the value
  std::uint32_t size_;    // a text's length, or one of the kinds above
};

void say_list(std::span<const SayArg> args);

// Prints the arguments one after another (no separators) on the console.
template <class... Args>
[[gnu::always_inline]] inline void say(const Args&... args) {
  const SayArg list[] = {SayArg{args}...};
  say_list(list);
}

// Stops the bootloader: ends QEMU with `status` through semihosting, else parks the core.
[[noreturn]] void stop(int status);

}  // namespace ward::bootloader
