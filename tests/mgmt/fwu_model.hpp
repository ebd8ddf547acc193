// A model of the PSA Firmware Update service and of Protected Storage, for lib/mgmt's FWU binding
// (fwu_binding.hpp) in the host tests and the libFuzzer target: it defines the psa_fwu_* and psa_ps_*
// functions the binding calls, and keeps the rules the real service enforces on a client
// (docs/secure-world.md, "Firmware Update"): blocks at 8-byte offsets, of whole units except the
// last, no gaps, bytes repeated over staged ones only if equal, at most 2048 bytes a call, and the
// state machine. `bad_calls` counts calls that break a rule a correct client never breaks.
// Include it in one translation unit of a program.
#pragma once
#include <psa/protected_storage.h>
#include <psa/update.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <vector>

namespace fwu_model {

struct Component {
  std::uint8_t state = PSA_FWU_READY;
  psa_fwu_image_version_t version{1, 0, 0, 0};
  std::vector<std::uint8_t> staged;
  bool closed = false;  // a block of less than a whole unit ended the image
};

struct Model {
  std::array<Component, 2> c;
  std::map<psa_storage_uid_t, std::vector<std::uint8_t>> ps;
  int ps_writes = 0;
  int bad_calls = 0;  // calls the service would refuse for a rule a correct client never breaks
  psa_status_t install_answer = PSA_SUCCESS_REBOOT;
  std::uint32_t max_size = 64 * 1024;

  // The device resets: a staged image runs on trial (as the bootloader would test-boot it).
  void reboot() {
    for (auto& x : c) {
      if (x.state == PSA_FWU_STAGED) {
        x.state = PSA_FWU_TRIAL;
        x.version = {2, 1, 3, 0};
      }
    }
  }
};
inline Model model;

}  // namespace fwu_model
using fwu_model::Component;
using fwu_model::Model;
using fwu_model::model;

extern "C" {
psa_status_t psa_fwu_query(psa_fwu_component_t id, psa_fwu_component_info_t* info) {
  if (id >= 2) return PSA_ERROR_DOES_NOT_EXIST;
  const Component& x = model.c[id];
  *info = {};
  info->state = x.state;
  info->version = x.version;
  info->max_size = model.max_size;
  info->impl.written = static_cast<std::uint32_t>(x.staged.size());
  return PSA_SUCCESS;
}
psa_status_t psa_fwu_start(psa_fwu_component_t id, const void*, size_t) {
  if (id >= 2) return PSA_ERROR_DOES_NOT_EXIST;
  if (model.c[id].state != PSA_FWU_READY) return PSA_ERROR_BAD_STATE;
  model.c[id].state = PSA_FWU_WRITING;
  model.c[id].staged.clear();
  model.c[id].closed = false;
  return PSA_SUCCESS;
}
psa_status_t psa_fwu_write(psa_fwu_component_t id, size_t off, const void* block, size_t n) {
  if (id >= 2) return PSA_ERROR_DOES_NOT_EXIST;
  Component& x = model.c[id];
  if (x.state != PSA_FWU_WRITING) return PSA_ERROR_BAD_STATE;
  const auto* p = static_cast<const std::uint8_t*>(block);
  if (off % 8 != 0 || n > PSA_FWU_MAX_WRITE_SIZE || off > x.staged.size() || x.closed || off + n > model.max_size) {
    ++model.bad_calls;
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  for (std::size_t i = 0; i < n && off + i < x.staged.size(); ++i) {
    if (x.staged[off + i] != p[i]) return PSA_ERROR_INVALID_ARGUMENT;  // a repeat must be exact
  }
  if (off + n > x.staged.size()) x.staged.resize(off + n);
  std::copy_n(p, n, x.staged.begin() + static_cast<std::ptrdiff_t>(off));
  if (n % 8 != 0) x.closed = true;
  return PSA_SUCCESS;
}
psa_status_t psa_fwu_finish(psa_fwu_component_t id) {
  if (id >= 2 || model.c[id].state != PSA_FWU_WRITING) return PSA_ERROR_BAD_STATE;
  model.c[id].state = PSA_FWU_CANDIDATE;
  return PSA_SUCCESS;
}
psa_status_t psa_fwu_cancel(psa_fwu_component_t id) {
  auto& s = model.c[id].state;
  if (s != PSA_FWU_WRITING && s != PSA_FWU_CANDIDATE) return PSA_ERROR_BAD_STATE;
  s = PSA_FWU_FAILED;
  return PSA_SUCCESS;
}
psa_status_t psa_fwu_clean(psa_fwu_component_t id) {
  auto& s = model.c[id].state;
  if (s != PSA_FWU_FAILED && s != PSA_FWU_UPDATED) return PSA_ERROR_BAD_STATE;
  s = PSA_FWU_READY;
  model.c[id].staged.clear();
  return PSA_SUCCESS;
}
psa_status_t psa_fwu_install(void) {
  for (auto& x : model.c) {
    if (x.state == PSA_FWU_CANDIDATE) {
      if (model.install_answer != PSA_SUCCESS_REBOOT) {
        x.state = PSA_FWU_FAILED;
        return model.install_answer;
      }
      x.state = PSA_FWU_STAGED;
      return PSA_SUCCESS_REBOOT;
    }
  }
  return PSA_ERROR_BAD_STATE;
}
psa_status_t psa_fwu_accept(void) {
  bool any = false;
  for (auto& x : model.c) {
    if (x.state == PSA_FWU_TRIAL) {
      x.state = PSA_FWU_UPDATED;
      any = true;
    }
  }
  return any ? PSA_SUCCESS : PSA_ERROR_BAD_STATE;
}
psa_status_t psa_ps_set(psa_storage_uid_t uid, size_t n, const void* data, psa_storage_create_flags_t) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  model.ps[uid].assign(p, p + n);
  ++model.ps_writes;
  return PSA_SUCCESS;
}
psa_status_t psa_ps_get(psa_storage_uid_t uid, size_t off, size_t n, void* out, size_t* got) {
  const auto it = model.ps.find(uid);
  if (it == model.ps.end()) return PSA_ERROR_DOES_NOT_EXIST;
  const std::size_t k = std::min(n, it->second.size() - std::min(off, it->second.size()));
  std::copy_n(it->second.begin() + static_cast<std::ptrdiff_t>(off), k, static_cast<std::uint8_t*>(out));
  *got = k;
  return PSA_SUCCESS;
}
}

