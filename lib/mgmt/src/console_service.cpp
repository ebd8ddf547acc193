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

Status ConsoleService::start(std::span<std::byte> stack, Priority priority) {
  return thread_.start(stack, &ConsoleService::run, this, priority, "smp");
}

void ConsoleService::serve(std::span<const std::byte> packet) {
  ++packets_;
  // The reset request is taken with its answer, under the same lock (another transport's thread
  // cannot take it before its own answer is out).
  if (lock_ != nullptr) (void)lock_->lock();
  const std::size_t n = server_.handle(packet, response_);
  const bool reset = os_.take_reset();
  if (lock_ != nullptr) (void)lock_->unlock();
  if (n != 0) {
    (void)console::encode_packet(std::span<const std::byte>{response_.data(), n}, [](std::span<const std::byte> line) {
      // One line whole: no other thread's output can land inside it.
      const kernel::KernelLock lock;
      board::console_write_line(std::string_view{reinterpret_cast<const char*>(line.data()), line.size()});
    });
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
      (void)this_thread::sleep_for(Duration::ticks(1));
      continue;
    }
    const console::Event e = self.rx_.push(static_cast<std::byte>(c));
    if (e == console::Event::packet) {
      self.serve(self.rx_.packet());
    } else if (e != console::Event::none) {
      ++self.dropped_;
    }
  }
}

}  // namespace ward::mgmt
