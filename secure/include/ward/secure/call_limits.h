/* How much one ward_psa_call may carry: the one definition of the limits, applied by the one
 * secure-call boundary (secure/boundary, ward/secure/boundary/call.hpp) that every transport runs:
 * the NSC veneer, the non-secure kernel's transport and the host transport.
 *
 * The boundary copies every input vector into the callee's buffer and lets the service write into
 * another before copying out, so a call carries at most WARD_PSA_CALL_MAX_IN bytes in (all input
 * vectors together; more is PSA_ERROR_INVALID_ARGUMENT, nothing is called) and the service sees at
 * most WARD_PSA_CALL_MAX_OUT bytes of output capacity (all output vectors together, clamped in
 * order: a larger client buffer is fine as long as the result fits). Client libraries chunk bigger
 * data (psa_hash_update, psa_hash_compute of long messages, PS set_extended); single-shot AEAD, MAC
 * and signatures of messages longer than a call are refused with PSA_ERROR_INVALID_ARGUMENT. */
#ifndef WARD_SECURE_CALL_LIMITS_H
#define WARD_SECURE_CALL_LIMITS_H

#define WARD_PSA_CALL_MAX_IN (4096u)
#define WARD_PSA_CALL_MAX_OUT (4096u)

#endif /* WARD_SECURE_CALL_LIMITS_H */
