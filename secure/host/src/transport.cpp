// ward_psa_call on the host (see ward/secure/host.hpp): the secure-call boundary
// (ward/secure/boundary/call.hpp) with the TrustedMemory policy, in front of the dispatcher. The
// checks, the limits, the copies into the callee's buffers and the copying out are the code the
// NSC veneer runs on target; only the memory policy differs (one address space here, so nothing
// beyond null bases with lengths and ranges that wrap around can be refused).
#include <psa/client.h>

#include <mutex>

#include <ward/secure/call.h>

#include "ward/secure/boundary/call.hpp"
#include "ward/secure/boundary/trusted_memory.hpp"
#include "ward/secure/crypto/key_store.hpp"
#include "ward/secure/crypto/service.hpp"
#include "ward/secure/dispatch.hpp"
#include "ward/secure/host.hpp"

namespace ward::secure::host {
namespace {
std::mutex g_lock;  // one call in flight
ClientId g_client = nonsecure_client(1);
ClientId g_account{0};  // 0: the client's own
boundary::Buffers g_buffers;  // the callee's side (wiped after every call)
}  // namespace

void set_current_client(ClientId client) {
  const std::lock_guard guard(g_lock);
  g_client = client;
  g_account = ClientId{0};
}

void set_current_account(ClientId account) {
  const std::lock_guard guard(g_lock);
  g_account = account;
}

ClientId current_client() {
  const std::lock_guard guard(g_lock);
  return g_client;
}

crypto::MemoryKeyStore& default_key_store() {
  static crypto::MemoryKeyStore store;
  return store;
}

void reboot() {
  const std::lock_guard guard(g_lock);
  crypto::shutdown();
}

}  // namespace ward::secure::host

extern "C" psa_status_t ward_psa_call(uint32_t service, int32_t type, const psa_invec* in_vec, size_t in_len,
                                      psa_outvec* out_vec, size_t out_len) {
  using namespace ward::secure;
  const std::lock_guard guard(host::g_lock);
  if (crypto::key_store() == nullptr) {
    crypto::set_key_store(&host::default_key_store());
  }
  const auto status = boundary::serve(
      {in_vec, in_len, out_vec, out_len}, boundary::TrustedMemory{}, host::g_buffers,
      [service, type](std::span<const std::span<const std::byte>> in, std::span<const std::span<std::byte>> out,
                      std::span<std::size_t> written) {
        const ClientId account = raw(host::g_account) != 0 ? host::g_account : host::g_client;
        return dispatch(host::g_client, account, service, type, in, out, written);
      });
  return status ? *status : boundary::client_status(status.error());
}
