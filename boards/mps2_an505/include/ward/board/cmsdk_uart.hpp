// Arm CMSDK APB UART, as found on the MPS2 boards (polled).
#pragma once
#include <cstdint>
#include <string_view>

namespace ward::board {

class CmsdkUart {
 public:
  explicit constexpr CmsdkUart(std::uintptr_t base) : base_{base} {}

  void enable_tx() const { reg(kCtrl) = reg(kCtrl) | kCtrlTxEnable; }
  void enable_rx() const { reg(kCtrl) = reg(kCtrl) | kCtrlRxEnable; }

  void write(std::string_view text) const {
    for (char c : text) {
      if (c == '\n') {
        put('\r');
      }
      put(c);
    }
  }
  // Byte for byte (a machine protocol's line).
  void write_raw(std::string_view text) const {
    for (char c : text) {
      put(c);
    }
  }
  // A received byte, or -1.
  int read() const {
    if ((reg(kState) & kStateRxFull) == 0) {
      return -1;
    }
    return static_cast<int>(reg(kData) & 0xffu);
  }

 private:
  static constexpr std::uintptr_t kData = 0x0, kState = 0x4, kCtrl = 0x8;
  static constexpr std::uint32_t kStateTxFull = 1u << 0;
  static constexpr std::uint32_t kStateRxFull = 1u << 1;
  static constexpr std::uint32_t kCtrlTxEnable = 1u << 0;
  static constexpr std::uint32_t kCtrlRxEnable = 1u << 1;

  volatile std::uint32_t& reg(std::uintptr_t offset) const {
    return *reinterpret_cast<volatile std::uint32_t*>(base_ + offset);
  }
  void put(char c) const {
    while ((reg(kState) & kStateTxFull) != 0) {
    }
    reg(kData) = static_cast<std::uint8_t>(c);
  }

  std::uintptr_t base_;
};

}  // namespace ward::board
