/* The PSA Certified Firmware Update API 1.0 (IHI 0093), as Ward implements it: the non-secure
 * side stages and installs images of the device's components through these functions; the
 * secure image's FWU service (secure/fwu) does the work. Names, values and types are the
 * specification's; the implementation-defined parts are marked. Plain C.
 *
 * Ward's choices (docs/secure-world.md, "Firmware Update"):
 *   - components: WARD_FWU_COMPONENT_SECURE (0), WARD_FWU_COMPONENT_NONSECURE (1);
 *   - images are MCUboot images (header, payload, TLVs) with an embedded manifest: psa_fwu_start
 *     takes no detached manifest (manifest_size must be 0);
 *   - staging is non-volatile: it survives a reboot, and psa_fwu_query reports in impl.written how
 *     many bytes are staged, so an interrupted download resumes with a write at that offset;
 *   - installing needs a reboot (psa_fwu_install returns PSA_SUCCESS_REBOOT), after which the
 *     bootloader test-boots the new image: psa_fwu_accept keeps it, anything else reverts it. */
#ifndef PSA_UPDATE_H
#define PSA_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include <psa/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PSA_FWU_API_VERSION_MAJOR 1
#define PSA_FWU_API_VERSION_MINOR 0

/* Status codes the specification adds. */
#define PSA_ERROR_DEPENDENCY_NEEDED ((psa_status_t)-156)
#define PSA_ERROR_FLASH_ABUSE ((psa_status_t)-160)
#define PSA_ERROR_INSUFFICIENT_POWER ((psa_status_t)-161)
#define PSA_SUCCESS_REBOOT ((psa_status_t)+1)
#define PSA_SUCCESS_RESTART ((psa_status_t)+2)

typedef uint8_t psa_fwu_component_t;

/* Ward's components (implementation defined). */
#define WARD_FWU_COMPONENT_SECURE ((psa_fwu_component_t)0)
#define WARD_FWU_COMPONENT_NONSECURE ((psa_fwu_component_t)1)

typedef struct psa_fwu_image_version_t {
  uint8_t major;
  uint8_t minor;
  uint16_t patch;
  uint32_t build;
} psa_fwu_image_version_t;

/* Component states. */
#define PSA_FWU_READY 0u
#define PSA_FWU_WRITING 1u
#define PSA_FWU_CANDIDATE 2u
#define PSA_FWU_STAGED 3u
#define PSA_FWU_FAILED 4u
#define PSA_FWU_TRIAL 5u
#define PSA_FWU_REJECTED 6u
#define PSA_FWU_UPDATED 7u

#define PSA_FWU_FLAG_VOLATILE_STAGING 0x00000001u
#define PSA_FWU_FLAG_ENCRYPTION 0x00000002u

/* Implementation-defined part of psa_fwu_component_info_t. */
typedef struct psa_fwu_impl_info_t {
  /* Bytes of the image staged so far (WRITING, CANDIDATE): a download resumes with a write at
   * this offset. After a reboot it is the start of the write unit that holds the last staged
   * byte (a power cut may have torn that unit): a block that repeats bytes already staged is
   * accepted, so resuming from there is safe. */
  uint32_t written;
} psa_fwu_impl_info_t;

typedef struct psa_fwu_component_info_t {
  uint8_t state;                   /* PSA_FWU_READY ... PSA_FWU_UPDATED */
  psa_status_t error;              /* why the last update FAILED or was REJECTED (0 if none known) */
  psa_fwu_image_version_t version; /* of the active (running) image */
  uint32_t max_size;               /* the largest image the component's staging area holds */
  uint32_t flags;                  /* PSA_FWU_FLAG_*: none (non-volatile, unencrypted staging) */
  uint32_t location;               /* implementation defined: the component's identifier */
  psa_fwu_impl_info_t impl;
} psa_fwu_component_info_t;

/* Largest block of one psa_fwu_write (one secure call carries at most 4 KiB in). */
#define PSA_FWU_MAX_WRITE_SIZE 2048u
/* image_offset of psa_fwu_write must be a multiple of 1 << this (the flash's write unit); so must
 * block_size, except for the image's last block. */
#define PSA_FWU_LOG2_WRITE_ALIGN 3u

psa_status_t psa_fwu_query(psa_fwu_component_t component, psa_fwu_component_info_t* info);
psa_status_t psa_fwu_start(psa_fwu_component_t component, const void* manifest, size_t manifest_size);
psa_status_t psa_fwu_write(psa_fwu_component_t component, size_t image_offset, const void* block,
                           size_t block_size);
psa_status_t psa_fwu_finish(psa_fwu_component_t component);
psa_status_t psa_fwu_cancel(psa_fwu_component_t component);
psa_status_t psa_fwu_clean(psa_fwu_component_t component);
psa_status_t psa_fwu_install(void);
psa_status_t psa_fwu_request_reboot(void);
psa_status_t psa_fwu_reject(psa_status_t error);
psa_status_t psa_fwu_accept(void);

#ifdef __cplusplus
}
#endif

#endif /* PSA_UPDATE_H */
