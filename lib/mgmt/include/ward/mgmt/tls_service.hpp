// SMP over mutually authenticated TLS (docs/device-management.md, "TLS transport"): the network
// transport of a production build. A TLS listener (ward::tls::Listener, TCP port kPort) whose
// sessions must present a client certificate from the management CA the signed image embeds
// (ServerOptions::client_trust_anchors, require_client_certificate); the device authenticates with
// its opaque key and the certificate provisioned for it. A client without a certificate, with one
// from another CA, or that does not speak TLS is refused by the handshake, before one byte of SMP
// is read; a client whose certificate's common name is not on the authorised list (when the image
// gives one) is refused right after it. Each refusal is logged and counted.
//
// On the session, mcumgr's SMP-over-TCP framing (stream_transport.hpp): packets back to back, read
// exactly; a header with reserved bits or a length over kPacket ends the session without an
// answer. Every packet goes to the one SMP server through ConsoleService::answer -- the transports
// are thin -- under the service's turn (ConsoleService::Turn), so a request over TLS and one on the
// console are served one at a time, and the shared response buffer is written out before the next.
//
// Its own thread: a TLS handshake needs a stack of several KiB and takes long enough that the
// console must not wait for it. Compiled only with CONFIG_WARD_MGMT_TLS.
#pragma once
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "ward/kernel.hpp"
#include "ward/mgmt/console_service.hpp"
#include "ward/mgmt/stream_transport.hpp"
#include "ward/tls/client.hpp"

namespace ward::mgmt {

class TlsService {
 public:
  // mcumgr has no assigned port for SMP over TLS: the UDP transport's 1337, plus one.
  static constexpr std::uint16_t kPort = 1338;
  // The largest request packet taken (header included), half the console's and UDP's: the
  // request buffer is this transport's own RAM (the response buffer is the console service's,
  // shared under the turn, kPacket bytes), and the image's RAM budget is 6 KiB
  // (docs/device-management.md, "Figures so far"). mcumgr parameters answer it as buf_size on
  // this transport (ConsoleService::answer's packet_limit), and ward-mgmt sizes its upload chunks
  // from that answer. A header announcing more ends the session (stream_transport.hpp).
  static constexpr std::size_t kPacket = 512;
  static_assert(kPacket <= ConsoleService::kPacket);

  struct Config {
    ConsoleService& smp;
    // The session (the image's: a Client's constructor is not constexpr, and inside the service it
    // would have the whole service built by the static constructor). Used by this thread only.
    tls::Client& session;
    // Must require a client certificate with the management CA as its anchor (start() refuses
    // anything less: a transport that would let an unauthenticated client in never listens).
    const tls::ServerOptions& options;
    std::uint16_t port = kPort;
    // Common names allowed to manage the device; empty: any certificate the CA issued.
    std::span<const std::string_view> authorised = {};
  };

  struct Counters {
    std::atomic<std::uint32_t> sessions{0};   // authenticated and authorised
    std::atomic<std::uint32_t> refused{0};    // refused handshakes and unauthorised names
    std::atomic<std::uint32_t> packets{0};    // SMP packets served
    std::atomic<std::uint32_t> broken{0};     // sessions ended by their framing
  };

  // All zero until start(): a static TlsService is constant-initialised into .bss, with no
  // start-up code (its request buffer, thread and counters).
  constexpr TlsService() = default;

  // Listens, then starts the service thread on `stack` (once). Its owner declares the stack's
  // bound: WARD_STACK_BOUND_THREAD(stack, ward::mgmt::TlsService::run).
  tls::Status start(const Config& config, std::span<std::byte> stack, Priority priority);
  static void run(void* self);

  const Counters& counters() const { return counters_; }
  Thread& thread() { return thread_; }

 private:
  void serve_session();
  bool authorised();

  ConsoleService* smp_ = nullptr;
  tls::Client* session_ = nullptr;
  std::span<const std::string_view> authorised_;
  tls::Listener listener_;
  Thread thread_;
  Counters counters_;
  // One packet, header included; reassembled per session (serve_session's stream::Reassembler).
  std::array<std::byte, kPacket> request_{};
};

}  // namespace ward::mgmt
