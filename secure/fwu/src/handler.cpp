// The FWU service's request handler: the wire format (update_wire.h) decoded from the caller's
// vectors, every count, size and field checked before the service sees it.
#include <cstring>
#include <iterator>

#include <ward/secure/update_wire.h>

#include "ward/secure/fwu/service.hpp"

namespace ward::secure::fwu {
namespace {

using In = std::span<const std::span<const std::byte>>;
using Out = std::span<const std::span<std::byte>>;

// The argument block in in_vec[0]: exactly its size, its reserved bytes 0.
bool args_of(In in, ward_fwu_args& a) {
  if (in.empty() || in[0].size() != sizeof a) return false;
  std::memcpy(&a, in[0].data(), sizeof a);
  return a.reserved[0] == 0 && a.reserved[1] == 0 && a.reserved[2] == 0;
}

// What each request carries (update_wire.h): how many in and out vectors (in_vec[0] is the
// argument block when there is one), and which argument fields it does not use (must be 0).
// One table rather than a check per request: the same rule for all, in one place.
enum : std::uint8_t { kOffset = 1, kError = 2, kComponent = 4 };
struct Shape {
  std::uint8_t in;
  std::uint8_t out;
  std::uint8_t zero;
};
constexpr Shape kShapes[] = {
    {1, 1, kOffset | kError},      // QUERY (out_vec[0]: psa_fwu_component_info_t)
    {1, 0, kOffset | kError},      // START
    {2, 0, kError},                // WRITE (in_vec[1]: the block)
    {1, 0, kOffset | kError},      // FINISH
    {1, 0, kOffset | kError},      // CANCEL
    {1, 0, kOffset | kError},      // CLEAN
    {0, 0, 0},                     // INSTALL
    {0, 0, 0},                     // REQUEST_REBOOT
    {1, 0, kOffset | kComponent},  // REJECT
    {0, 0, 0},                     // ACCEPT
};
static_assert(WARD_FWU_QUERY == 1 && WARD_FWU_ACCEPT == std::size(kShapes));

bool fits(In in, Out out, const Shape& shape, ward_fwu_args& a) {
  if (in.size() != shape.in || out.size() != shape.out) return false;
  if (shape.in == 0) return true;
  if (!args_of(in, a)) return false;
  return !(((shape.zero & kOffset) != 0 && a.offset != 0) || ((shape.zero & kError) != 0 && a.error != 0) ||
           ((shape.zero & kComponent) != 0 && a.component != 0));
}

}  // namespace

psa_status_t handle(Service& service, ClientId /*caller*/, std::int32_t type, In in, Out out,
                    std::span<std::size_t> out_written) {
  for (auto& w : out_written) w = 0;
  if (in.size() > 4 || out.size() > 4 || out_written.size() != out.size()) return PSA_ERROR_INVALID_ARGUMENT;
  ward_fwu_args a{};
  if (type < WARD_FWU_QUERY || type > WARD_FWU_ACCEPT) {
    // A request this service does not know: said so only for a well-formed argument block.
    return args_of(in, a) ? PSA_ERROR_NOT_SUPPORTED : PSA_ERROR_INVALID_ARGUMENT;
  }
  if (!fits(in, out, kShapes[type - WARD_FWU_QUERY], a)) return PSA_ERROR_INVALID_ARGUMENT;
  switch (type) {
    case WARD_FWU_QUERY: {
      psa_fwu_component_info_t info{};
      if (out[0].size() != sizeof info) return PSA_ERROR_INVALID_ARGUMENT;
      const psa_status_t s = service.query(a.component, &info);
      if (s != PSA_SUCCESS) return s;
      std::memcpy(out[0].data(), &info, sizeof info);
      out_written[0] = sizeof info;
      return PSA_SUCCESS;
    }
    case WARD_FWU_START: return service.start(a.component, 0);
    case WARD_FWU_WRITE: return service.write(a.component, a.offset, in[1]);
    case WARD_FWU_FINISH: return service.finish(a.component);
    case WARD_FWU_CANCEL: return service.cancel(a.component);
    case WARD_FWU_CLEAN: return service.clean(a.component);
    case WARD_FWU_INSTALL: return service.install();
    case WARD_FWU_REQUEST_REBOOT: return service.request_reboot();
    case WARD_FWU_REJECT: return service.reject(a.error);
    default: return service.accept();  // WARD_FWU_ACCEPT, the last in kShapes
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
