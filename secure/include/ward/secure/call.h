/* The one way from the non-secure client libraries to a secure service.
 *
 * Every PSA client function (psa_hash_compute, psa_its_set, ...) packs its arguments into at most
 * PSA_MAX_IOVEC input and output vectors and calls ward_psa_call(service, type, ...). Who
 * implements ward_psa_call depends on the build:
 *   - firmware: the `psa_call` system call of the non-secure Ward kernel, whose TrustZone transport
 *     (secure/client/src/trustzone_transport.cpp) checks the vectors against the calling thread's
 *     memory, serialises calls (one in flight), passes the calling thread's identity and enters the
 *     secure image through its NSC veneer, where every vector is checked with
 *     cmse_check_address_range and copied before use;
 *   - host: a transport that calls the same dispatcher directly, with the identity of the simulated
 *     current client (tests switch it).
 * All of them run the same secure-call boundary (ward/secure/boundary/call.hpp): the same checks,
 * limits (call_limits.h) and copies. A malformed call (more than PSA_MAX_IOVEC vectors, a null
 * array or base with a length) returns PSA_ERROR_PROGRAMMER_ERROR; memory the caller may not use
 * or more input than a call carries, PSA_ERROR_INVALID_ARGUMENT.
 * On return, out_vec[i].len holds the number of bytes the service wrote into out_vec[i].
 * Plain C: the client libraries are C-compatible. */
#ifndef WARD_SECURE_CALL_H
#define WARD_SECURE_CALL_H

#include <psa/client.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Service identifiers (the `service` argument). */
#define WARD_SERVICE_CRYPTO (1u)
#define WARD_SERVICE_ITS (2u)
#define WARD_SERVICE_PS (3u)
#define WARD_SERVICE_FWU (4u) /* psa/update.h: secure/fwu */
#define WARD_SERVICE_ATTEST (5u) /* psa/initial_attestation.h: secure/attest */

psa_status_t ward_psa_call(uint32_t service, int32_t type, const psa_invec* in_vec, size_t in_len,
                           psa_outvec* out_vec, size_t out_len);

/* The crypto client library (secure/client/src/crypto_client.cpp) tells the image of every key id it
 * got from the secure side (a created key: created 1) and of every key it destroyed (created 0),
 * through this observer, when set (null: no one listens). lib/tls's Client (lib/tls/src/client.cpp,
 * set by ward::tls::init) keeps the ids each session created, to destroy what its Mbed TLS lost (a
 * key Mbed TLS created and then forgot on an error path would otherwise stay in the secure world for
 * good). Called from privileged thread code only (never a user thread's, which may not even read
 * this pointer, never a handler). */
typedef void (*ward_psa_key_observer)(uint32_t key, int created);
extern ward_psa_key_observer ward_psa_key_events;

#ifdef __cplusplus
}
#endif

#endif /* WARD_SECURE_CALL_H */
