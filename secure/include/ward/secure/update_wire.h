/* The wire format of the Firmware Update service (WARD_SERVICE_FWU): what the client functions
 * (secure/client/update_client.cpp) put into the vectors of ward_psa_call and what the handler
 * (ward::secure::fwu::handle) decodes. Shared by both sides, plain C.
 *
 * Every request but INSTALL, REQUEST_REBOOT and ACCEPT carries one ward_fwu_args in in_vec[0].
 * Fields a request does not use must be zero, so the handler refuses what it does not understand.
 *
 *   type            in_vec                 out_vec
 *   QUERY           [args{component}]      [psa_fwu_component_info_t]
 *   START           [args{component}]      -          (no detached manifest: manifest_size 0)
 *   WRITE           [args{component, offset}, block]
 *   FINISH/CANCEL/CLEAN [args{component}]  -
 *   INSTALL, REQUEST_REBOOT, ACCEPT  -     -
 *   REJECT          [args{error}]          -
 */
#ifndef WARD_SECURE_UPDATE_WIRE_H
#define WARD_SECURE_UPDATE_WIRE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WARD_FWU_QUERY (1)
#define WARD_FWU_START (2)
#define WARD_FWU_WRITE (3)
#define WARD_FWU_FINISH (4)
#define WARD_FWU_CANCEL (5)
#define WARD_FWU_CLEAN (6)
#define WARD_FWU_INSTALL (7)
#define WARD_FWU_REQUEST_REBOOT (8)
#define WARD_FWU_REJECT (9)
#define WARD_FWU_ACCEPT (10)

/* 64-bit offset, so a 32-bit client and a 64-bit host service agree and an oversized value is
 * seen (and refused) instead of being truncated. */
typedef struct ward_fwu_args {
  uint64_t offset;    /* WRITE */
  int32_t error;      /* REJECT */
  uint8_t component;  /* QUERY, START, WRITE, FINISH, CANCEL, CLEAN */
  uint8_t reserved[3]; /* must be 0 */
} ward_fwu_args;

#ifdef __cplusplus
}
#endif

#endif /* WARD_SECURE_UPDATE_WIRE_H */
