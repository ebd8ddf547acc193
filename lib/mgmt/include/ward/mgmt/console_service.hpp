// SMP over the console UART, as a firmware thread (docs/device-management.md, "Console transport"):
// it polls the console for bytes, reassembles SMP packets with console::Decoder, has the Server
// answer them and writes each answer as console lines (console::encode_packet), each line whole
// under the kernel lock so that no other thread's output lands inside it, and on a fresh line
// (board::console_write_line). Console text that is not SMP is left alone. After an answered
// reset request (OsGroup::take_reset) it resets the device, the answer already out.
//
// Another transport (UdpService) is served by the same thread, between polls of the UART
// (PolledTransport): one thread whatever the transports, so one request at a time without a lock,
// and one response buffer they share (answer()).
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
  constexpr explicit ThreadList(std::span<Thread* const> threads) : threads_(threads) {}
  bool task(std::size_t index, TaskStat& out) override;

 private:
  std::span<Thread* const> threads_;
};

class ConsoleService;

// A transport the console's thread serves between polls of the UART (UdpService). The upload
// session and the reset request live in the groups, which every transport shares: one thread
// serving them all takes one request at a time, whichever transport it came on.
class PolledTransport {
 public:
  // Serves the request waiting, if any, without blocking, answering it with `smp.answer`. Returns
  // true when that was the answer to a reset request and it has left: the thread resets the device.
  virtual bool poll(ConsoleService& smp) = 0;

 protected:
  constexpr PolledTransport() = default;
  ~PolledTransport() = default;
};

class ConsoleService {
 public:
  // The largest SMP packet taken or answered (the transport's buf_size for mcumgr parameters).
  static constexpr std::size_t kPacket = 1024;

  // All zero until start(): a static ConsoleService is constant-initialised into .bss, with no
  // start-up code and no initial value in ROM (its 2.4 KB of buffers).
  constexpr ConsoleService() = default;

  // What the thread serves: `server` and its OS group `os` (the reset request); `reset`: what
  // resets the device (psa_fwu_request_reboot on a TrustZone image); `other`: a transport the same
  // thread serves (UdpService), or nullptr; `turn`: the lock this thread shares with a transport
  // that has a thread of its own (TlsService, which refuses to start without it), or nullptr when
  // this thread serves every transport. The lock lives outside the service so that the service
  // stays all zero until start() (.bss: a Mutex's initial value is not, and would put the whole
  // object, 2.5 KB, in .data, its initial value in ROM).
  struct Config {
    Server& server;
    OsGroup& os;
    void (*reset)() = nullptr;
    PolledTransport* other = nullptr;
    Mutex* turn = nullptr;
  };
  // Starts the service thread on `stack` (once). Its owner declares that stack's bound with this
  // entry: WARD_STACK_BOUND_THREAD(stack, ward::mgmt::ConsoleService::run) (docs/stack-bounds.md).
  Status start(const Config& config, std::span<std::byte> stack, Priority priority);
  // The service thread's entry (`self`: the ConsoleService).
  static void run(void* self);

  // Answers one request packet into the response buffer every transport shares (valid until the
  // next call); `reset` says whether it answered a reset request (taken from the OS group: the
  // caller resets the device once the answer is out). Empty: no answer (Server::handle).
  // `packet_limit`: the calling transport's packet limit when smaller than kPacket (TlsService's;
  // mcumgr parameters answer it), else 0. Called under a Turn when another thread serves a
  // transport too (TlsService).
  std::span<const std::byte> answer(std::span<const std::byte> request, bool& reset, std::size_t packet_limit = 0);

  // The right to serve one request and write its answer out of the shared response buffer: the
  // console's thread takes it for each of its requests, a transport with a thread of its own
  // (TlsService) around answer() and the write of its answer.
  // Without a lock (Config::turn) this thread is the only one that serves: nothing to take.
  class Turn {
   public:
    explicit Turn(ConsoleService& s) : m_(s.turn_) {
      if (m_ != nullptr) {
        (void)m_->lock();
      }
    }
    ~Turn() {
      if (m_ != nullptr) {
        (void)m_->unlock();
      }
    }
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;

   private:
    Mutex* m_;
  };
  // Whether another thread may serve a transport too (start() was given Config::turn).
  bool shared() const { return turn_ != nullptr; }
  // The reset hook (Config::reset), for a transport that answered a reset request.
  void reset_device() { reset_(); }

  Thread& thread() { return thread_; }

 private:
  void serve(std::span<const std::byte> packet);

  // Set by start(), before the thread runs.
  Server* server_ = nullptr;
  OsGroup* os_ = nullptr;
  void (*reset_)() = nullptr;
  PolledTransport* other_ = nullptr;
  Mutex* turn_ = nullptr;
  Thread thread_;
  console::Decoder<kPacket> rx_;
  // The response, at offset 2: the console's frame around it (length before, CRC after) is
  // written in place (console::encode_frame), so the console sends it without copying it.
  std::array<std::byte, kPacket + 4> response_{};
};

}  // namespace ward::mgmt
