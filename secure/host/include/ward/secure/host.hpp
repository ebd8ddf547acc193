// The host build's transport to the secure services (secure/host/src/transport.cpp): ward_psa_call
// copies every vector, as the NSC veneer does on target, and calls the dispatcher with the identity
// of the simulated current client. Calls are serialised by one lock (one call in flight, as on
// target).
#pragma once
#include "ward/secure/crypto/memory_key_store.hpp"
#include "ward/secure/identity.hpp"

namespace ward::secure::host {

// The identity the next calls run as (default: nonsecure_client(1)). Tests switch it to act as
// another caller; the client itself never names its identity.
void set_current_client(ClientId client);
ClientId current_client();

// The quota the next calls count against (dispatch(): the non-secure kernel's calls made for a user
// thread, gateway.h's WARD_SPE_ACCOUNT_MASK): `account`, until the next set_current_client, which
// goes back to the client's own.
void set_current_account(ClientId account);

// The crypto partition's storage in this process: a MemoryKeyStore, installed on the first call
// unless a test installed another one (crypto::set_key_store).
crypto::MemoryKeyStore& default_key_store();

// A simulated reboot of the secure side: every operation aborted, Mbed TLS's state (volatile keys,
// DRBG) freed. Persistent keys and the NV seed stay in the key store. Clients must call
// psa_crypto_init again, as after a real reboot.
void reboot();

}  // namespace ward::secure::host
