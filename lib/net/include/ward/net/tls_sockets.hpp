// TLS sockets (kSocketTls, docs/networking.md "TLS sockets"): lib/net's socket pool keeps the slot and
// hands every call on a TLS socket to the TLS engine behind these functions. lib/tls provides them
// (ward_tls_sockets, compiled into the image like lib/net's sockets, so its definitions replace
// lib/net's weak defaults; direct calls, which the link's stack bound follows). lib/net does not
// depend on lib/tls; an image without the engine, or before ward::tls::enable_sockets, answers
// not_supported to kSocketTls.
//
// Each function runs in the calling thread, privileged, after the kernel checked the socket and
// the buffers; `data` may be user memory: the engine copies it in the calling thread, through a
// buffer of its own, so neither lwIP nor Mbed TLS ever reads or writes user memory.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "ward/kernel/error.hpp"
#include "ward/kernel/socket.hpp"

namespace ward::net::tls_socket {

// A context from the engine's static pool (no_resources when it is empty; not_supported until
// the image enabled TLS sockets).
Result<void*> open();
Status set_hostname(void* context, const char* name);
Status set_identity(void* context, bool present);
Status set_timeout(void* context, std::uint32_t microseconds);
Status connect(void* context, const SocketAddress& address);
Result<std::size_t> send(void* context, std::span<const std::byte> data);
Result<std::size_t> receive(void* context, std::span<std::byte> data);
std::uint16_t poll(void* context);
void interrupt(void* context);
void close(void* context);

}  // namespace ward::net::tls_socket
