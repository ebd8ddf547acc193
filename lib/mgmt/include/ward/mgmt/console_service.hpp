// SMP over the console UART, as a firmware thread (docs/device-management.md, "Console transport"):
// it polls the console for bytes, reassembles SMP packets with console::Decoder, has the Server
// answer them and writes each answer as console lines (console::encode_packet), each line whole
// under the kernel lock so that no other thread's output lands inside it, and on a fresh line
// (board::console_write_line). Console text that is not SMP is left alone. After an answered
// reset request (OsGroup::take_reset) it resets the device, the answer already out.
//
// Everything is static: the decoder's line and packet buffers and the response buffer are members;
// the thread and its stack are the image's.
#pragma once
#include <array>
#include <cstddef>

#include "ward/kernel.hpp"
#include "ward/mgmt/console_transport.hpp"
#include "ward/mgmt/os_group.hpp"
#include "ward/mgmt/server.hpp"

namespace ward::mgmt {

// The kernel's threads for task statistics: the ones the image names (the kernel keeps no list of
// every thread; an image's threads are declared statically, so it knows them).
class ThreadList final : public TaskSource {
 public:
  explicit ThreadList(std::span<Thread* const> threads) : threads_(threads) {}
  bool task(std::size_t index, TaskStat& out) override;

 private:
  std::span<Thread* const> threads_;
};

class ConsoleService {
 public:
  // The largest SMP packet taken or answered (the transport's buf_size for mcumgr parameters).
  static constexpr std::size_t kPacket = 1024;

  // `reset`: what resets the device (psa_fwu_request_reboot on a TrustZone image); `lock`: held
  // around each request when another transport serves the same groups (UdpService), else nullptr.
  ConsoleService(Server& server, OsGroup& os, void (*reset)(), Mutex* lock = nullptr)
      : server_(server), os_(os), reset_(reset), lock_(lock) {}

  // Starts the service thread on `stack`. Its owner declares that stack's bound with this entry:
  // WARD_STACK_BOUND_THREAD(stack, ward::mgmt::ConsoleService::run) (docs/stack-bounds.md).
  Status start(std::span<std::byte> stack, Priority priority);
  // The service thread's entry (`self`: the ConsoleService).
  static void run(void* self);

  Thread& thread() { return thread_; }
  // Counters, for tests and diagnostics.
  std::uint32_t packets() const { return packets_; }
  std::uint32_t dropped() const { return dropped_; }

 private:
  void serve(std::span<const std::byte> packet);

  Server& server_;
  OsGroup& os_;
  void (*reset_)();
  Mutex* lock_;
  Thread thread_;
  console::Decoder<kPacket> rx_;
  std::array<std::byte, kPacket> response_{};
  std::uint32_t packets_ = 0;
  std::uint32_t dropped_ = 0;
};

}  // namespace ward::mgmt
