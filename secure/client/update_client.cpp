// The PSA Firmware Update client functions (psa/update.h): each packs its arguments as
// update_wire.h describes and calls ward_psa_call. Checks that need only the arguments (null
// pointers, a detached manifest this implementation does not take) are done here; everything else
// is the service's job, which checks again anyway.
#include <cstddef>
#include <cstdint>

#include <psa/update.h>
#include <ward/secure/call.h>
#include <ward/secure/update_wire.h>

namespace {

ward_fwu_args args(psa_fwu_component_t component, std::uint64_t offset = 0, psa_status_t error = 0) {
  ward_fwu_args a{};
  a.component = component;
  a.offset = offset;
  a.error = error;
  return a;
}

psa_status_t component_call(std::int32_t type, psa_fwu_component_t component) {
  const ward_fwu_args a = args(component);
  const psa_invec in[1] = {{&a, sizeof a}};
  return ward_psa_call(WARD_SERVICE_FWU, type, in, 1, nullptr, 0);
}

psa_status_t bare_call(std::int32_t type) { return ward_psa_call(WARD_SERVICE_FWU, type, nullptr, 0, nullptr, 0); }

}  // namespace

extern "C" {

psa_status_t psa_fwu_query(psa_fwu_component_t component, psa_fwu_component_info_t* info) {
  if (info == nullptr) return PSA_ERROR_INVALID_ARGUMENT;
  const ward_fwu_args a = args(component);
  const psa_invec in[1] = {{&a, sizeof a}};
  psa_outvec out[1] = {{info, sizeof *info}};
  const psa_status_t s = ward_psa_call(WARD_SERVICE_FWU, WARD_FWU_QUERY, in, 1, out, 1);
  if (s == PSA_SUCCESS && out[0].len != sizeof *info) return PSA_ERROR_COMMUNICATION_FAILURE;
  return s;
}

psa_status_t psa_fwu_start(psa_fwu_component_t component, const void* manifest, size_t manifest_size) {
  if (manifest == nullptr && manifest_size != 0) return PSA_ERROR_INVALID_ARGUMENT;
  // Images carry their manifest (MCUboot header and TLVs): no detached one is taken.
  if (manifest_size != 0) return PSA_ERROR_NOT_SUPPORTED;
  return component_call(WARD_FWU_START, component);
}

psa_status_t psa_fwu_write(psa_fwu_component_t component, size_t image_offset, const void* block,
                           size_t block_size) {
  if (block == nullptr && block_size != 0) return PSA_ERROR_INVALID_ARGUMENT;
  const ward_fwu_args a = args(component, image_offset);
  const psa_invec in[2] = {{&a, sizeof a}, {block, block_size}};
  return ward_psa_call(WARD_SERVICE_FWU, WARD_FWU_WRITE, in, 2, nullptr, 0);
}

psa_status_t psa_fwu_finish(psa_fwu_component_t component) { return component_call(WARD_FWU_FINISH, component); }
psa_status_t psa_fwu_cancel(psa_fwu_component_t component) { return component_call(WARD_FWU_CANCEL, component); }
psa_status_t psa_fwu_clean(psa_fwu_component_t component) { return component_call(WARD_FWU_CLEAN, component); }
psa_status_t psa_fwu_install(void) { return bare_call(WARD_FWU_INSTALL); }
psa_status_t psa_fwu_request_reboot(void) { return bare_call(WARD_FWU_REQUEST_REBOOT); }
psa_status_t psa_fwu_accept(void) { return bare_call(WARD_FWU_ACCEPT); }

psa_status_t psa_fwu_reject(psa_status_t error) {
  const ward_fwu_args a = args(0, 0, error);
  const psa_invec in[1] = {{&a, sizeof a}};
  return ward_psa_call(WARD_SERVICE_FWU, WARD_FWU_REJECT, in, 1, nullptr, 0);
}

}  // extern "C"
