// SMP over mutually authenticated TLS (tls_service.hpp).
#include "ward/autoconf.h"

#if !defined(CONFIG_WARD_MGMT_TLS)
#error "SMP over TLS needs CONFIG_WARD_MGMT_TLS=y"
#endif

#include "ward/mgmt/tls_service.hpp"

#include "ward/print.hpp"

namespace ward::mgmt {

tls::Status TlsService::start(const Config& config, std::span<std::byte> stack, Priority priority) {
  // Management needs a mutually authenticated channel: no client certificate, no listener.
  if (!config.options.require_client_certificate || config.options.client_trust_anchors.empty()) {
    return base::fail(tls::Error::invalid_argument);
  }
  // This thread answers through the console's service: without the lock they share, two threads
  // would write the one response buffer at once.
  if (!config.smp.shared()) {
    return base::fail(tls::Error::invalid_argument);
  }
  smp_ = &config.smp;
  session_ = &config.session;
  authorised_ = config.authorised;
  if (auto l = listener_.listen(config.port, config.options); !l) {
    return l;
  }
  if (!thread_.start(stack, &TlsService::run, this, priority, "smp-tls")) {
    listener_.close();
    return base::fail(tls::Error::no_resources);
  }
  return {};
}

bool TlsService::authorised() {
  char cn[64];
  const auto n = session_->peer_common_name(cn);
  if (!n) {
    return false;  // no single CN: nobody to authorise
  }
  if (authorised_.empty()) {
    return true;
  }
  const std::string_view name{cn, *n};
  for (const std::string_view a : authorised_) {
    if (a == name) {
      return true;
    }
  }
  return false;
}

void TlsService::serve_session() {
  stream::Reassembler rx{request_};  // a new stream: nothing of the last session's is kept
  tls::Client& session = *session_;
  for (;;) {
    const std::span<std::byte> space = rx.want();
    auto r = session.read(space);
    if (!r) {
      return;  // closed, timed out, reset: a packet cut short is never served
    }
    const stream::Event e = rx.commit(*r);
    if (e == stream::Event::error) {
      counters_.broken.fetch_add(1, std::memory_order_relaxed);
      print("mgmt-tls: framing broken (reserved bits or a length over ", unsigned{kPacket}, "), session closed\n");
      return;
    }
    if (e != stream::Event::packet) {
      continue;
    }
    bool reset = false;
    bool sent = true;
    {
      const ConsoleService::Turn turn{*smp_};
      const std::span<const std::byte> out = smp_->answer(rx.packet(), reset, kPacket);
      counters_.packets.fetch_add(1, std::memory_order_relaxed);
      if (!out.empty()) {
        auto w = session.write(out);
        sent = w && *w == out.size();
      }
    }
    if (reset) {
      session.close();  // close_notify and the answer leave before the device resets
      (void)this_thread::sleep_for(Duration::ms(100));
      smp_->reset_device();
    }
    if (!sent) {
      return;
    }
  }
}

void TlsService::run(void* arg) {
  auto& self = *static_cast<TlsService*>(arg);
  for (;;) {
    if (auto a = self.listener_.accept(*self.session_, 0); !a) {
      // Refused before any SMP byte was read: no certificate, another CA's, not TLS at all, ...
      self.counters_.refused.fetch_add(1, std::memory_order_relaxed);
      print("mgmt-tls: refused (", tls::error_name(a.error()), ", mbedtls ", self.session_->last_error(), ", flags ",
            self.session_->verify_flags(), ")\n");
      self.session_->close();
      (void)this_thread::sleep_for(Duration::ms(10));
      continue;
    }
    if (!self.authorised()) {
      self.counters_.refused.fetch_add(1, std::memory_order_relaxed);
      print("mgmt-tls: refused (client not authorised)\n");
      self.session_->close();
      continue;
    }
    self.counters_.sessions.fetch_add(1, std::memory_order_relaxed);
    print("mgmt-tls: session ", self.counters_.sessions.load(std::memory_order_relaxed), '\n');
    self.serve_session();
    self.session_->close();
  }
}

}  // namespace ward::mgmt
