// ward_psa_call on the host (see ward/secure/host.hpp). Mirrors what the NSC veneer does on target:
// the vectors are checked and copied into the secure side's own buffers before the dispatcher runs,
// so the service never sees the caller's memory, and results are copied back only up to what the
// service reports having written.
#include <psa/client.h>

#include <array>
#include <cstring>
#include <mutex>

#include <ward/secure/call.h>
#include <ward/secure/call_limits.h>

#include "ward/secure/crypto/key_store.hpp"
#include "ward/secure/crypto/service.hpp"
#include "ward/secure/dispatch.hpp"
#include "ward/secure/host.hpp"

namespace ward::secure::host {
namespace {
std::mutex g_lock;  // one call in flight
ClientId g_client = nonsecure_client(1);
}  // namespace

void set_current_client(ClientId client) {
  const std::lock_guard guard(g_lock);
  g_client = client;
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
  if (in_len > PSA_MAX_IOVEC || out_len > PSA_MAX_IOVEC || (in_len != 0 && in_vec == nullptr) ||
      (out_len != 0 && out_vec == nullptr)) {
    return PSA_ERROR_PROGRAMMER_ERROR;
  }
  std::size_t in_total = 0;
  for (std::size_t i = 0; i < in_len; ++i) {
    if (in_vec[i].len != 0 && in_vec[i].base == nullptr) {
      return PSA_ERROR_PROGRAMMER_ERROR;
    }
    if (in_vec[i].len > WARD_PSA_CALL_MAX_IN - in_total) {
      return PSA_ERROR_INVALID_ARGUMENT;
    }
    in_total += in_vec[i].len;
  }
  for (std::size_t i = 0; i < out_len; ++i) {
    if (out_vec[i].len != 0 && out_vec[i].base == nullptr) {
      return PSA_ERROR_PROGRAMMER_ERROR;
    }
  }

  const std::lock_guard guard(host::g_lock);
  if (crypto::key_store() == nullptr) {
    crypto::set_key_store(&host::default_key_store());
  }

  // The secure copies: fresh per call, so nothing of one call is visible to the next.
  std::array<std::byte, WARD_PSA_CALL_MAX_IN> in_buffer{};
  std::array<std::byte, WARD_PSA_CALL_MAX_OUT> out_buffer{};
  std::array<std::span<const std::byte>, PSA_MAX_IOVEC> in{};
  std::array<std::span<std::byte>, PSA_MAX_IOVEC> out{};
  std::array<std::size_t, PSA_MAX_IOVEC> written{};

  std::size_t used = 0;
  for (std::size_t i = 0; i < in_len; ++i) {
    if (in_vec[i].len != 0) {
      std::memcpy(in_buffer.data() + used, in_vec[i].base, in_vec[i].len);
    }
    in[i] = std::span<const std::byte>(in_buffer.data() + used, in_vec[i].len);
    used += in_vec[i].len;
  }
  // Output capacity is clamped in order to what one call can carry back (call_limits.h).
  used = 0;
  for (std::size_t i = 0; i < out_len; ++i) {
    const std::size_t room = WARD_PSA_CALL_MAX_OUT - used;
    const std::size_t capacity = out_vec[i].len < room ? out_vec[i].len : room;
    out[i] = std::span<std::byte>(out_buffer.data() + used, capacity);
    used += capacity;
  }

  const psa_status_t status = dispatch(host::g_client, service, type, std::span(in.data(), in_len),
                                       std::span<const std::span<std::byte>>(out.data(), out_len),
                                       std::span(written.data(), out_len));

  for (std::size_t i = 0; i < out_len; ++i) {
    if (written[i] > out[i].size()) {
      // A service reporting more than it was given is a secure-side bug: copy nothing.
      for (std::size_t j = 0; j < out_len; ++j) {
        out_vec[j].len = 0;
      }
      return PSA_ERROR_CORRUPTION_DETECTED;
    }
  }
  for (std::size_t i = 0; i < out_len; ++i) {
    if (written[i] != 0) {
      std::memcpy(out_vec[i].base, out[i].data(), written[i]);
    }
    out_vec[i].len = written[i];
  }
  return status;
}
