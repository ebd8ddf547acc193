// The LAN9118 driver (ward/net/lan9118.hpp). Register facts: SMSC LAN9118 datasheet, and QEMU's
// model as docs/networking.md records it (its interrupt line resets active-low; writes to TX-disable
// are ignored; it has no FIFO-level interrupts other than the receive status level).
#include "ward/net/lan9118.hpp"

#include <cstring>

#include "ward/kernel/irq.hpp"
#include "ward/stack_bound.hpp"

namespace ward::net {
namespace {
// System control registers (offsets from the base).
constexpr std::uint32_t kRxDataFifo = 0x00, kTxDataFifo = 0x20, kRxStatusFifo = 0x40;
constexpr std::uint32_t kIrqCfg = 0x54, kIntSts = 0x58, kIntEn = 0x5c, kByteTest = 0x64;
constexpr std::uint32_t kRxCfg = 0x6c, kTxCfg = 0x70, kHwCfg = 0x74, kRxFifoInf = 0x7c;
constexpr std::uint32_t kTxFifoInf = 0x80, kPmtCtrl = 0x84, kMacCsrCmd = 0xa4, kMacCsrData = 0xa8;

constexpr std::uint32_t kByteTestValue = 0x87654321;
// IRQ_CFG: enabled, active high, push-pull. QEMU drives its line active-low until both polarity
// and type say otherwise.
constexpr std::uint32_t kIrqCfgValue = (1u << 8) | (1u << 4) | (1u << 0);
constexpr std::uint32_t kIntRsfl = 1u << 3;  // receive status FIFO above its level (0): a frame
constexpr std::uint32_t kRxDump = 1u << 15;  // RX_CFG: empties both receive FIFOs
constexpr std::uint32_t kTxOn = 1u << 1, kTxStatusOverrun = 1u << 2;  // TX_CFG (no TX status reads)
constexpr std::uint32_t kSoftReset = 1u << 0;                         // HW_CFG
constexpr std::uint32_t kPmtReady = 1u << 0;                          // PMT_CTRL
constexpr std::uint32_t kMacCsrBusy = 1u << 31, kMacCsrRead = 1u << 30;

// MAC control and status registers (through MAC_CSR_CMD/DATA).
constexpr std::uint32_t kMacCr = 1, kMacAddrH = 2, kMacAddrL = 3;
constexpr std::uint32_t kMacCrRxEn = 1u << 2, kMacCrTxEn = 1u << 3, kMacCrFullDuplex = 1u << 20;
// All multicast passes: IPv6 neighbour discovery needs solicited-node groups; lwIP filters them.
constexpr std::uint32_t kMacCrPassMulticast = 1u << 19;

// TX command A: first and last segment, buffer size; command B: the frame length.
constexpr std::uint32_t kTxFirstSegment = 1u << 13, kTxLastSegment = 1u << 12;

// Bounds for polls of the controller: a real LAN9118 finishes within microseconds (QEMU at once);
// a controller that never does is a failed init, not a hang.
constexpr int kPollLimit = 100000;

// The NVIC's clear-pending registers: this interrupt may be pending from QEMU's active-low reset
// before the driver ever enabled it (irq.hpp offers no clear; this is the one driver that needs it).
constexpr std::uintptr_t kNvicIcpr = 0xE000E280;
}  // namespace

struct Lan9118::Fifo {
  const Lan9118& dev;
  std::uint32_t pop_status() const { return dev.reg(kRxStatusFifo); }
  std::uint32_t pop_data() const { return dev.reg(kRxDataFifo); }
  void flush() const { dev.set_reg(kRxCfg, dev.reg(kRxCfg) | kRxDump); }
};

std::uint32_t Lan9118::reg(std::uint32_t offset) const {
  return *reinterpret_cast<volatile std::uint32_t*>(board_.base + offset);
}
void Lan9118::set_reg(std::uint32_t offset, std::uint32_t value) const {
  *reinterpret_cast<volatile std::uint32_t*>(board_.base + offset) = value;
}

Result<std::uint32_t> Lan9118::mac_csr_read(std::uint32_t index) const {
  set_reg(kMacCsrCmd, kMacCsrBusy | kMacCsrRead | index);
  for (int i = 0; i < kPollLimit; ++i) {
    if ((reg(kMacCsrCmd) & kMacCsrBusy) == 0) {
      return reg(kMacCsrData);
    }
  }
  return fail(Error::timeout);
}

Status Lan9118::mac_csr_write(std::uint32_t index, std::uint32_t value) const {
  set_reg(kMacCsrData, value);
  set_reg(kMacCsrCmd, kMacCsrBusy | index);
  for (int i = 0; i < kPollLimit; ++i) {
    if ((reg(kMacCsrCmd) & kMacCsrBusy) == 0) {
      return {};
    }
  }
  return fail(Error::timeout);
}

Status Lan9118::init() {
  if (reg(kByteTest) != kByteTestValue) {
    return fail(Error::invalid_state);  // no LAN9118 here (or not in 32-bit little-endian mode)
  }
  set_reg(kHwCfg, kSoftReset);
  int polls = 0;
  while ((reg(kHwCfg) & kSoftReset) != 0 || (reg(kPmtCtrl) & kPmtReady) == 0) {
    if (++polls == kPollLimit) return fail(Error::timeout);
  }
  // The quirk: every write so far drove the line active-low, i.e. asserted. Active high now,
  // then the stale pending state is cleared before the line is enabled.
  set_reg(kIrqCfg, kIrqCfgValue);
  set_reg(kIntEn, 0);
  set_reg(kIntSts, 0xffffffffu);

  auto low = mac_csr_read(kMacAddrL);
  auto high = mac_csr_read(kMacAddrH);
  if (!low || !high) return fail(Error::timeout);
  for (unsigned i = 0; i < 4; ++i) mac_[i] = static_cast<std::uint8_t>(*low >> (8 * i));
  for (unsigned i = 0; i < 2; ++i) mac_[4 + i] = static_cast<std::uint8_t>(*high >> (8 * i));

  set_reg(kRxCfg, 0);  // no offset, 4-byte end alignment: frame intake's word count
  set_reg(kTxCfg, kTxOn | kTxStatusOverrun);
  // Not promiscuous (the reset default): unicast for this address, broadcast, all multicast.
  if (auto s = mac_csr_write(kMacCr, kMacCrRxEn | kMacCrTxEn | kMacCrFullDuplex | kMacCrPassMulticast); !s) {
    return s;
  }

  *reinterpret_cast<volatile std::uint32_t*>(kNvicIcpr + 4 * (board_.irq / 32)) = 1u << (board_.irq % 32);
  if (auto s = irq::connect(board_.irq, &isr, this, irq::Level::normal); !s) return s;
  set_reg(kIntEn, kIntRsfl);
  return irq::enable(board_.irq);
}

// The interrupt only wakes the thread: it masks the controller's interrupts (the line is a level,
// and the frames stay in the FIFO until the thread reads them) and signals.
void Lan9118::isr(void* self) {
  auto& dev = *static_cast<Lan9118*>(self);
  dev.set_reg(kIntEn, 0);
  ++dev.interrupts_;
  (void)dev.rx_ready_.give();
}
// It runs from the interrupt entry on the main stack: counted in the main stack's bound.
WARD_STACK_BOUND_IRQ(Lan9118::isr);

Status Lan9118::wait_for_frames(Timeout timeout) { return rx_ready_.take(timeout); }

std::uint32_t Lan9118::frames_waiting() const { return (reg(kRxFifoInf) >> 16) & 0xffu; }

// Acknowledge first, then enable: a frame that lands in between sets the status bit again, and
// the enable raises the interrupt for it.
void Lan9118::ack_and_enable_rx_interrupt() {
  set_reg(kIntSts, kIntRsfl);
  set_reg(kIntEn, kIntRsfl);
}

Received Lan9118::receive_into(std::span<std::byte> buffer) {
  Fifo fifo{*this};
  return receive_one(fifo, buffer, counters_);
}

Status Lan9118::transmit(std::span<const std::byte> frame) {
  if (frame.size() < kEthHeaderBytes || frame.size() > kMaxFrameBytes) {
    return fail(Error::invalid_argument);
  }
  const auto words = static_cast<std::uint32_t>((frame.size() + 3) / 4);
  int polls = 0;
  while ((reg(kTxFifoInf) & 0xffffu) < 4 * (words + 2)) {  // free bytes for data and both commands
    if (++polls == kPollLimit) return fail(Error::timeout);
  }
  const auto length = static_cast<std::uint32_t>(frame.size());
  set_reg(kTxDataFifo, kTxFirstSegment | kTxLastSegment | length);
  set_reg(kTxDataFifo, length);
  for (std::uint32_t i = 0; i < words; ++i) {
    std::uint32_t w = 0;
    const std::size_t n = frame.size() - std::size_t{i} * 4 < 4 ? frame.size() - std::size_t{i} * 4 : 4;
    std::memcpy(&w, frame.data() + std::size_t{i} * 4, n);
    set_reg(kTxDataFifo, w);
  }
  return {};
}

}  // namespace ward::net
