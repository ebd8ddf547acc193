// The FWU service's request handler: the wire format (update_wire.h) decoded from the caller's
// vectors, every count, size and field checked before the service sees it.
#include <cstring>
#include <optional>

#include <ward/secure/update_wire.h>

#include "ward/secure/fwu/service.hpp"

namespace ward::secure::fwu {
namespace {

using In = std::span<const std::span<const std::byte>>;
using Out = std::span<const std::span<std::byte>>;

std::optional<ward_fwu_args> args_of(In in) {
  if (in.empty() || in[0].size() != sizeof(ward_fwu_args)) return std::nullopt;
  ward_fwu_args a;
  std::memcpy(&a, in[0].data(), sizeof a);
  if (a.reserved[0] != 0 || a.reserved[1] != 0 || a.reserved[2] != 0) return std::nullopt;
  return a;
}

// A request that names a component and nothing else: exactly the argument block.
bool component_only(In in, Out out, const ward_fwu_args& a) {
  return in.size() == 1 && out.empty() && a.offset == 0 && a.error == 0;
}

}  // namespace

psa_status_t handle(Service& service, ClientId /*caller*/, std::int32_t type, In in, Out out,
                    std::span<std::size_t> out_written) {
  for (auto& w : out_written) w = 0;
  if (in.size() > 4 || out.size() > 4 || out_written.size() != out.size()) return PSA_ERROR_INVALID_ARGUMENT;
  // The requests without arguments.
  switch (type) {
    case WARD_FWU_INSTALL:
    case WARD_FWU_REQUEST_REBOOT:
    case WARD_FWU_ACCEPT:
      if (!in.empty() || !out.empty()) return PSA_ERROR_INVALID_ARGUMENT;
      return type == WARD_FWU_INSTALL ? service.install()
             : type == WARD_FWU_ACCEPT ? service.accept()
                                       : service.request_reboot();
    default:
      break;
  }
  const auto a = args_of(in);
  if (!a) return PSA_ERROR_INVALID_ARGUMENT;
  switch (type) {
    case WARD_FWU_QUERY: {
      if (in.size() != 1 || out.size() != 1 || out[0].size() != sizeof(psa_fwu_component_info_t) || a->offset != 0 ||
          a->error != 0) {
        return PSA_ERROR_INVALID_ARGUMENT;
      }
      psa_fwu_component_info_t info{};
      const psa_status_t s = service.query(a->component, &info);
      if (s != PSA_SUCCESS) return s;
      std::memcpy(out[0].data(), &info, sizeof info);
      out_written[0] = sizeof info;
      return PSA_SUCCESS;
    }
    case WARD_FWU_START:
      if (!component_only(in, out, *a)) return PSA_ERROR_INVALID_ARGUMENT;
      return service.start(a->component, 0);
    case WARD_FWU_WRITE:
      if (in.size() != 2 || !out.empty() || a->error != 0) return PSA_ERROR_INVALID_ARGUMENT;
      return service.write(a->component, a->offset, in[1]);
    case WARD_FWU_FINISH:
      if (!component_only(in, out, *a)) return PSA_ERROR_INVALID_ARGUMENT;
      return service.finish(a->component);
    case WARD_FWU_CANCEL:
      if (!component_only(in, out, *a)) return PSA_ERROR_INVALID_ARGUMENT;
      return service.cancel(a->component);
    case WARD_FWU_CLEAN:
      if (!component_only(in, out, *a)) return PSA_ERROR_INVALID_ARGUMENT;
      return service.clean(a->component);
    case WARD_FWU_REJECT:
      if (in.size() != 1 || !out.empty() || a->offset != 0 || a->component != 0) return PSA_ERROR_INVALID_ARGUMENT;
      return service.reject(a->error);
    default:
      return PSA_ERROR_NOT_SUPPORTED;
  }
}

psa_status_t handle_request(ClientId caller, std::int32_t type, In in, Out out, std::span<std::size_t> out_written) {
  Service* service = instance();
  if (service == nullptr) {
    for (auto& w : out_written) w = 0;
    return PSA_ERROR_BAD_STATE;
  }
  return handle(*service, caller, type, in, out, out_written);
}

}  // namespace ward::secure::fwu
