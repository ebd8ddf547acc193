// TLS sockets (docs/networking.md, "TLS sockets"): ward::tls::Client behind the socket calls, so an
// unprivileged thread can speak TLS without holding Mbed TLS state, PSA key handles or the
// device key: net_open(kSocketStream | kSocketTls), net_tls_hostname, net_connect (TCP and the
// handshake), net_send / net_recv (plaintext), net_close (close_notify).
//
// What the image decides, not the socket's user:
//   - the trust anchors every TLS socket verifies its server against (compiled into the image);
//   - the device identity, if any: a socket presents it only when asked (kSocketTlsIdentity), and
//     a user thread may ask only with the TLS identity grant (ward::grant_tls_identity);
//   - the TLS policy (its Kconfig, ward/tls/policy.hpp: TLS 1.2 or 1.3 at least, verification,
//     hostname check) and the rest of ward::tls::Client's hardened configuration.
//
// Each of the CONFIG_WARD_NET_TLS_SOCKETS slots has a privileged worker thread ("tls worker N", 6 KiB
// stack declared for the link's stack bound) that runs its handshake and records, and a 32 KiB
// Mbed TLS heap of its own (what Mbed TLS allocates on that worker's stack comes from it): the
// calling thread copies its data into the context's kernel buffer, wakes the slot's worker and waits
// for the answer. A user thread's kernel stack (CONFIG_WARD_SYSCALL_STACK_SIZE) is far too small for
// Mbed TLS. A peer that stalls holds its own slot's worker only, and a session that allocates more
// exhausts its own slot's heap only. The TLS heap of Clients used directly (heap 0) is not locked:
// once enable_sockets() has been called, no other thread may use a ward::tls::Client while a TLS
// socket may be in a call. (Concurrent handshakes are also bounded by the secure world's share of
// the non-secure kernel, two at their peak: docs/networking.md, "TLS sockets for user threads".)
#pragma once
#include <cstdint>
#include <span>

#include "ward/tls/client.hpp"

namespace ward::tls {

struct SocketOptions {
  std::span<const std::span<const std::uint8_t>> trust_anchors;  // DER; must outlive the image's run
  // The device identity TLS sockets may present (ward/tls/device_identity.hpp); null: none, and
  // kSocketTlsIdentity answers not_supported. Its certificate must outlive the image's run.
  const ClientIdentity* device_identity = nullptr;
  std::uint32_t timeout_ms = 10'000;  // per read of the peer, unless the socket sets its own
};

// Privileged code, once, after init() and set_time(): gives each slot its heap, starts the workers
// and makes kSocketTls sockets available (before, net_open answers not_supported). invalid_argument
// without a trust anchor; invalid_state when called again; not_initialised before init().
Status enable_sockets(const SocketOptions& options);

}  // namespace ward::tls
