// SMP over the console UART as a firmware thread (console_service.hpp).
#include "ward/mgmt/console_service.hpp"

#include <string_view>

#include "ward/board.hpp"
#include "ward/kernel/lock.hpp"

namespace ward::mgmt {

bool ThreadList::task(std::size_t index, TaskStat& out) {
  if (index >= threads_.size()) {
    return false;
  }
  const Thread& t = *threads_[index];
  out.name = t.name();
  out.priority = t.priority().level;
  out.id = static_cast<std::uint32_t>(index);
  out.state = static_cast<std::uint32_t>(t.state());
  out.stack_size = static_cast<std::uint32_t>(t.stack().size());
  out.stack_used = static_cast<std::uint32_t>(t.stack().size() - t.stack_unused());
  return true;
}

Status ConsoleService::start(const Config& config, std::span<std::byte> stack, Priority priority) {
  server_ = &config.server;
  os_ = &config.os;
  reset_ = config.reset;
  other_ = config.other;
  turn_ = config.turn;
  return thread_.start(stack, &ConsoleService::run, this, priority, "smp");
}

std::span<const std::byte> ConsoleService::answer(std::span<const std::byte> request, bool& reset,
                                                  std::size_t packet_limit) {
  // The only call of Server::handle in an image, whatever its transports (one copy of its code).
  // At offset 2 of the frame (serve() writes the console's length and CRC around it).
  const std::size_t n = server_->handle(request, std::span{response_}.subspan(2, kPacket), packet_limit);
  // Taken with its answer: this thread serves every transport, so no other request comes between.
  reset = os_->take_reset();
  return std::span<const std::byte>{response_.data() + 2, n};
}

namespace {

// Writes a frame (console::encode_frame: room for the length, the answer, room for the CRC) as
// console lines. Out of line, and outside ConsoleService (whose functions the stack-bound
// annotations let call the server's handlers): its line buffer is on the stack only while the
// answer is written, never under the server's path (inlined into run(), it would be).
[[gnu::noinline]] void write_lines(std::span<std::byte> frame) {
  (void)console::encode_frame(frame, [](std::span<const std::byte> line) {
    // One line whole: no other thread's output can land inside it.
    const kernel::KernelLock lock;
    board::console_write_line(std::string_view{reinterpret_cast<const char*>(line.data()), line.size()});
  });
}

}  // namespace

void ConsoleService::serve(std::span<const std::byte> packet) {
  bool reset = false;
  const Turn turn{*this};
  const std::span<const std::byte> out = answer(packet, reset);
  if (!out.empty()) {
    write_lines(std::span{response_}.first(out.size() + 4));  // the answer is at offset 2 (answer())
  }
  if (reset) {
    reset_();  // the answer is out (the UART is polled: every byte has left the transmit register)
  }
}

void ConsoleService::run(void* arg) {
  auto& self = *static_cast<ConsoleService*>(arg);
  // Bytes arrive in bursts (a whole line): after one, poll a little before sleeping, so a line
  // is taken at the UART's speed and an idle console costs one poll per tick.
  constexpr int kSpin = 4000;
  for (;;) {
    int c = -1;
    for (int i = 0; i < kSpin && c < 0; ++i) {
      c = board::console_read();
    }
    if (c < 0) {
      // The console is idle: the other transport's turn (it does not block), then sleep.
      bool reset = false;
      if (self.other_ != nullptr) {
        const Turn turn{self};
        reset = self.other_->poll(self);
      }
      if (reset) {
        self.reset_();
      }
      (void)this_thread::sleep_for(Duration::ticks(1));
      continue;
    }
    // A malformed frame is dropped without an answer (the decoder says why; nobody counts it).
    if (self.rx_.push(static_cast<std::byte>(c)) == console::Event::packet) {
      self.serve(self.rx_.packet());
    }
  }
}

}  // namespace ward::mgmt
