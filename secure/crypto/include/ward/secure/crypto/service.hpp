// The crypto service's lifecycle and limits (its request handler is declared in
// ward/secure/service_handlers.hpp and reached through the dispatcher).
#pragma once
#include <cstddef>

#include "ward/secure/identity.hpp"

namespace ward::secure::crypto {

// Multi-part operations (hash, key derivation) live on the secure side in a fixed table; a client
// holds only an opaque handle bound to it. One client can hold at most kOperationsPerClient at a
// time, so a client that never aborts cannot take every slot (more than the table holds is
// PSA_ERROR_INSUFFICIENT_MEMORY).
inline constexpr std::size_t kOperationSlots = 8;
inline constexpr std::size_t kOperationsPerClient = 4;

// Frees what `client` holds on the secure side: aborts its operations and destroys its volatile
// keys. Its persistent keys stay. (Call when a non-secure thread ends.)
void release_client(ClientId client);

// Aborts every operation and frees Mbed TLS's state (volatile keys are gone; persistent ones stay
// in the KeyStore). The next WARD_CRYPTO_INIT starts again, as after a reboot.
void shutdown();

// Operations in use (tests).
std::size_t operations_in_use();

}  // namespace ward::secure::crypto
