// The SMSC LAN9118 Ethernet controller (mps2-an505: non-secure alias 0x42000000, IRQ 48; the board
// facts and QEMU's quirks are in docs/networking.md). Interrupt driven: the interrupt only wakes the
// receiving thread; frames are read out of the FIFO in thread context through frame intake
// (ward/net/frame_intake.hpp), which drops and counts anything it cannot trust.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "ward/kernel.hpp"
#include "ward/net/frame_intake.hpp"

namespace ward::net {

class Lan9118 {
 public:
  struct Board {
    std::uintptr_t base;  // register block
    unsigned irq;         // NVIC line
  };
  using MacAddress = std::array<std::uint8_t, 6>;

  explicit constexpr Lan9118(Board board) : board_{board} {}
  Lan9118(const Lan9118&) = delete;
  Lan9118& operator=(const Lan9118&) = delete;
  ~Lan9118() = default;

  // Resets the controller, checks it is one (its byte-order test register), programs the MAC
  // (transmit, receive, broadcast and multicast) and enables its receive interrupt.
  Status init();
  MacAddress mac() const { return mac_; }

  // Blocks until the controller reports received frames, or `timeout` passes.
  Status wait_for_frames(Timeout timeout);
  // Takes every frame waiting in the controller through frame intake. For each, `buffer_for()`
  // gives a 4-byte aligned buffer of at least kRxBufferBytes (or an empty span: no memory, the
  // frame is drained and counted as dropped) and `deliver(bytes)` receives the accepted length.
  // Re-enables the receive interrupt when the FIFO is empty.
  template <class BufferFor, class Deliver>
  void drain(BufferFor&& buffer_for, Deliver&& deliver);

  // Sends one frame (14..1514 bytes, without FCS; the controller pads and appends it).
  Status transmit(std::span<const std::byte> frame);

  const IntakeCounters& counters() const { return counters_; }
  std::uint32_t interrupts() const { return interrupts_; }
  std::uint32_t no_buffer() const { return no_buffer_; }

  // The receive interrupt's handler (given to ward::irq::connect): public so that its stack-bound
  // declaration (WARD_STACK_BOUND_IRQ, lan9118.cpp) can name it.
  static void isr(void* self);

 private:
  struct Fifo;  // frame intake's view of the receive FIFOs
  std::uint32_t frames_waiting() const;
  void ack_and_enable_rx_interrupt();
  Received receive_into(std::span<std::byte> buffer);
  std::uint32_t reg(std::uint32_t offset) const;
  void set_reg(std::uint32_t offset, std::uint32_t value) const;
  Result<std::uint32_t> mac_csr_read(std::uint32_t index) const;
  Status mac_csr_write(std::uint32_t index, std::uint32_t value) const;

  Board board_;
  MacAddress mac_{};
  BinarySemaphore rx_ready_;
  IntakeCounters counters_;
  std::uint32_t interrupts_ = 0;
  std::uint32_t no_buffer_ = 0;
};

template <class BufferFor, class Deliver>
void Lan9118::drain(BufferFor&& buffer_for, Deliver&& deliver) {
  // Bounded: at most what the status FIFO held when we looked, then once more after the
  // interrupt is re-armed; a flood cannot keep this loop (and the thread) here for ever.
  for (int round = 0; round < 2; ++round) {
    for (std::uint32_t n = frames_waiting(); n > 0; --n) {
      alignas(4) static std::byte scratch[kRxBufferBytes];  // drains a frame no buffer was free for
      std::span<std::byte> buffer = buffer_for();
      const bool have_buffer = !buffer.empty();
      const Received r = receive_into(have_buffer ? buffer : std::span<std::byte>{scratch});
      if (!have_buffer) {
        no_buffer_ += r.drop == Drop::none ? 1 : 0;
      }
      deliver(have_buffer ? r.bytes : 0);
    }
    if (round == 0) {
      ack_and_enable_rx_interrupt();
    }
  }
}

}  // namespace ward::net
