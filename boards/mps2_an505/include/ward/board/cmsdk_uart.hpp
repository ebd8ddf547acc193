// Arm CMSDK APB UART, as found on the MPS2 boards (transmit side; polled).
#pragma once
#include <cstdint>
#include <string_view>

namespace ward::board {

class CmsdkUart {
 public:
  explicit constexpr CmsdkUart(std::uintptr_t base) : base_{base} {}

  void enable_tx() const { reg(kCtrl) = reg(kCtrl) | kCtrlTxEnable; }

  void write(std::string_view text) const {
    for (char c : text) {
      if (c == '\n') {
        put('\r');
      }
      put(c);
    }
  }

 private:
  static constexpr std::uintptr_t kData = 0x0, kState = 0x4, kCtrl = 0x8;
  static constexpr std::uint32_t kStateTxFull = 1u << 0;
  static constexpr std::uint32_t kCtrlTxEnable = 1u << 0;

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
