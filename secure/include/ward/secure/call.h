/* The one way from the non-secure client libraries to a secure service.
 *
 * Every PSA client function (psa_hash_compute, psa_its_set, ...) packs its arguments into at most
 * PSA_MAX_IOVEC input and output vectors and calls ward_psa_call(service, type, ...). Who
 * implements ward_psa_call depends on the build:
 *   - firmware: the non-secure Ward kernel. It serialises calls (one in flight), passes the calling
 *     thread's identity, and enters the secure image through its NSC veneer, where every vector is
 *     checked with cmse_check_address_range and copied before use;
 *   - host: a transport that copies the vectors and calls the same dispatcher directly, with the
 *     identity of the simulated current client (tests switch it).
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

psa_status_t ward_psa_call(uint32_t service, int32_t type, const psa_invec* in_vec, size_t in_len,
                           psa_outvec* out_vec, size_t out_len);

#ifdef __cplusplus
}
#endif

#endif /* WARD_SECURE_CALL_H */
