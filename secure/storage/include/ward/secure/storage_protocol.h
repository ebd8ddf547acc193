/* The wire format of the ITS and PS services: what the client functions (secure/client/
 * storage_client.cpp) put into the vectors of ward_psa_call and what the handlers
 * (ward::secure::storage::handle_its / handle_ps) decode. Shared by both sides, plain C.
 *
 * Every request carries one fixed-size argument block in in_vec[0] (fields little-endian as the
 * CPU stores them: client and service run on the same core). Fields that a request does not use
 * must be zero, so a handler can refuse anything it does not understand.
 *
 *   type          in_vec                       out_vec
 *   SET           [args{uid, flags}, data]     -
 *   GET           [args{uid, offset}]          [data (capacity = bytes wanted)]
 *   GET_INFO      [args{uid}]                  [ward_storage_info_wire]
 *   REMOVE        [args{uid}]                  -
 *   PS CREATE     [args{uid, length=capacity, flags}]  -
 *   PS SET_EXT    [args{uid, offset}, data]    -
 *   PS SUPPORT    -                            [uint32_t]
 */
#ifndef WARD_SECURE_STORAGE_PROTOCOL_H
#define WARD_SECURE_STORAGE_PROTOCOL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Request types (the `type` argument of ward_psa_call), the same numbers for ITS and PS. */
#define WARD_STORAGE_SET (1)
#define WARD_STORAGE_GET (2)
#define WARD_STORAGE_GET_INFO (3)
#define WARD_STORAGE_REMOVE (4)
#define WARD_STORAGE_CREATE (5)       /* PS only */
#define WARD_STORAGE_SET_EXTENDED (6) /* PS only */
#define WARD_STORAGE_GET_SUPPORT (7)  /* PS only */

/* in_vec[0] of every request but GET_SUPPORT. 64-bit sizes, so a 32-bit client and a 64-bit host
 * service agree, and an oversized value is seen (and refused) instead of being truncated. */
typedef struct ward_storage_args {
  uint64_t uid;
  uint64_t offset; /* GET, SET_EXTENDED */
  uint64_t length; /* CREATE: the capacity */
  uint32_t flags;  /* SET, CREATE */
  uint32_t reserved; /* must be 0 */
} ward_storage_args;

/* out_vec[0] of GET_INFO: psa_storage_info_t with fixed-width fields. */
typedef struct ward_storage_info_wire {
  uint32_t capacity;
  uint32_t size;
  uint32_t flags;
} ward_storage_info_wire;

#ifdef __cplusplus
}
#endif

#endif /* WARD_SECURE_STORAGE_PROTOCOL_H */
