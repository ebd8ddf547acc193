// The PSA Secure Storage client functions (psa/internal_trusted_storage.h, psa/protected_storage.h):
// each packs its arguments as storage_protocol.h describes and calls ward_psa_call. Checks that
// need only the arguments (null pointers) are done here; everything else is the service's job,
// which checks again anyway.
#include <cstddef>
#include <cstdint>

#include <psa/internal_trusted_storage.h>
#include <psa/protected_storage.h>
#include <ward/secure/call.h>
#include <ward/secure/storage_protocol.h>

namespace {

// SET and SET_EXTENDED: the argument block and the data.
psa_status_t call_with_data(std::uint32_t service, std::int32_t type, const ward_storage_args& a, const void* data,
                            std::size_t data_length) {
  const psa_invec in[2] = {{&a, sizeof a}, {data, data_length}};
  return ward_psa_call(service, type, in, 2, nullptr, 0);
}

psa_status_t set(std::uint32_t service, psa_storage_uid_t uid, size_t data_length, const void* p_data,
                 psa_storage_create_flags_t flags) {
  if (p_data == nullptr && data_length != 0) return PSA_ERROR_INVALID_ARGUMENT;
  const ward_storage_args a{uid, 0, 0, flags, 0};
  return call_with_data(service, WARD_STORAGE_SET, a, p_data, data_length);
}

psa_status_t get(std::uint32_t service, psa_storage_uid_t uid, size_t data_offset, size_t data_size, void* p_data,
                 size_t* p_data_length) {
  if (p_data_length == nullptr || (p_data == nullptr && data_size != 0)) return PSA_ERROR_INVALID_ARGUMENT;
  *p_data_length = 0;
  const ward_storage_args a{uid, data_offset, 0, 0, 0};
  const psa_invec in[1] = {{&a, sizeof a}};
  psa_outvec out[1] = {{p_data, data_size}};
  const psa_status_t s = ward_psa_call(service, WARD_STORAGE_GET, in, 1, out, 1);
  if (s == PSA_SUCCESS) *p_data_length = out[0].len;
  return s;
}

psa_status_t get_info(std::uint32_t service, psa_storage_uid_t uid, struct psa_storage_info_t* p_info) {
  if (p_info == nullptr) return PSA_ERROR_INVALID_ARGUMENT;
  const ward_storage_args a{uid, 0, 0, 0, 0};
  ward_storage_info_wire w{};
  const psa_invec in[1] = {{&a, sizeof a}};
  psa_outvec out[1] = {{&w, sizeof w}};
  const psa_status_t s = ward_psa_call(service, WARD_STORAGE_GET_INFO, in, 1, out, 1);
  if (s != PSA_SUCCESS) return s;
  if (out[0].len != sizeof w) return PSA_ERROR_COMMUNICATION_FAILURE;
  p_info->capacity = w.capacity;
  p_info->size = w.size;
  p_info->flags = w.flags;
  return PSA_SUCCESS;
}

psa_status_t remove_entry(std::uint32_t service, psa_storage_uid_t uid) {
  const ward_storage_args a{uid, 0, 0, 0, 0};
  const psa_invec in[1] = {{&a, sizeof a}};
  return ward_psa_call(service, WARD_STORAGE_REMOVE, in, 1, nullptr, 0);
}

}  // namespace

extern "C" {

psa_status_t psa_its_set(psa_storage_uid_t uid, size_t data_length, const void* p_data,
                         psa_storage_create_flags_t create_flags) {
  return set(WARD_SERVICE_ITS, uid, data_length, p_data, create_flags);
}
psa_status_t psa_its_get(psa_storage_uid_t uid, size_t data_offset, size_t data_size, void* p_data,
                         size_t* p_data_length) {
  return get(WARD_SERVICE_ITS, uid, data_offset, data_size, p_data, p_data_length);
}
psa_status_t psa_its_get_info(psa_storage_uid_t uid, struct psa_storage_info_t* p_info) {
  return get_info(WARD_SERVICE_ITS, uid, p_info);
}
psa_status_t psa_its_remove(psa_storage_uid_t uid) { return remove_entry(WARD_SERVICE_ITS, uid); }

psa_status_t psa_ps_set(psa_storage_uid_t uid, size_t data_length, const void* p_data,
                        psa_storage_create_flags_t create_flags) {
  return set(WARD_SERVICE_PS, uid, data_length, p_data, create_flags);
}
psa_status_t psa_ps_get(psa_storage_uid_t uid, size_t data_offset, size_t data_size, void* p_data,
                        size_t* p_data_length) {
  return get(WARD_SERVICE_PS, uid, data_offset, data_size, p_data, p_data_length);
}
psa_status_t psa_ps_get_info(psa_storage_uid_t uid, struct psa_storage_info_t* p_info) {
  return get_info(WARD_SERVICE_PS, uid, p_info);
}
psa_status_t psa_ps_remove(psa_storage_uid_t uid) { return remove_entry(WARD_SERVICE_PS, uid); }

psa_status_t psa_ps_create(psa_storage_uid_t uid, size_t capacity, psa_storage_create_flags_t create_flags) {
  const ward_storage_args a{uid, 0, capacity, create_flags, 0};
  const psa_invec in[1] = {{&a, sizeof a}};
  return ward_psa_call(WARD_SERVICE_PS, WARD_STORAGE_CREATE, in, 1, nullptr, 0);
}

psa_status_t psa_ps_set_extended(psa_storage_uid_t uid, size_t data_offset, size_t data_length, const void* p_data) {
  if (p_data == nullptr && data_length != 0) return PSA_ERROR_INVALID_ARGUMENT;
  const ward_storage_args a{uid, data_offset, 0, 0, 0};
  return call_with_data(WARD_SERVICE_PS, WARD_STORAGE_SET_EXTENDED, a, p_data, data_length);
}

uint32_t psa_ps_get_support(void) {
  uint32_t support = 0;
  psa_outvec out[1] = {{&support, sizeof support}};
  if (ward_psa_call(WARD_SERVICE_PS, WARD_STORAGE_GET_SUPPORT, nullptr, 0, out, 1) != PSA_SUCCESS ||
      out[0].len != sizeof support) {
    return 0;
  }
  return support;
}

}  // extern "C"
