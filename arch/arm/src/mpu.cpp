// MPU set-up and domain loads (region plan in ward/arch/arm/mpu.hpp).
#include "ward/arch/arm/mpu.hpp"

#include <cstdint>

#include "ward/arch/arm/registers.hpp"
#include "ward/arch/port.hpp"
#include "ward/kernel/port.hpp"
#include "ward/autoconf.h"
#include "ward/config.hpp"
#include "ward/kernel/memory_domain.hpp"
#include "ward/kernel/scheduler.hpp"

extern "C" {
extern std::uint8_t __ward_code_start[], __ward_code_end[], __ward_user_ro_start[], __ward_user_ro_end[];
}

namespace ward::arch {
namespace {
using Ctrl = arm::Reg32<0xE000ED94>;
using Rnr = arm::Reg32<0xE000ED98>;
using Rbar = arm::Reg32<0xE000ED9C>;
using Rlar = arm::Reg32<0xE000EDA0>;
using Mair0 = arm::Reg32<0xE000EDC0>;
constexpr std::uint32_t kCtrlEnable = 1;
constexpr std::uint32_t kCtrlPrivDefEna = 4;

// Disabled first: a region whose base changed before its limit would, for a moment, span from the
// new base to the old limit -- say from address 0 when a region is cleared, over the very code and
// stack doing the update -- and two regions that overlap fault every access to the overlap.
void set_region(std::uint32_t number, std::uint32_t rbar, std::uint32_t rlar) {
  Rnr::write(number);
  Rlar::write(0);
  Rbar::write(rbar);
  Rlar::write(rlar);
}

[[maybe_unused]] void clear_region(std::uint32_t number) {
  Rnr::write(number);
  Rlar::write(0);
}

auto address(const void* p) { return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(p)); }

// How many domain regions the loaded domain uses (the rest are already disabled).
[[maybe_unused]] std::uint32_t loaded_regions = 0;
}  // namespace

MemoryRange user_readable_image() {
  return {reinterpret_cast<std::uintptr_t>(__ward_code_start),
          static_cast<std::size_t>(__ward_code_end - __ward_code_start)};
}

void mpu_init() {
  if constexpr (!config::userspace && !config::mpu_stack_guard) {
    return;
  }
  // Attribute 0: normal memory, write-back read/write-allocate; attribute 1: device-nGnRE.
  Mair0::write(0xFFu | (0x04u << 8));
  if constexpr (config::userspace) {
    // What user threads may read and execute; privileged code needs no region (PRIVDEFENA).
    set_region(mpu::kRegionCode, mpu::rbar(address(__ward_code_start), mpu::kApReadOnlyAny, false),
               mpu::rlar(address(__ward_code_end), mpu::kAttrNormal));
    if (address(__ward_user_ro_end) != address(__ward_user_ro_start)) {
      set_region(mpu::kRegionKernelShared, mpu::rbar(address(__ward_user_ro_start), mpu::kApReadOnlyAny, true),
                 mpu::rlar(address(__ward_user_ro_end), mpu::kAttrNormal));
    }
  }
  Rnr::write(mpu::kRegionThread);  // the context switch writes region 1 without selecting it
  Ctrl::write(kCtrlEnable | kCtrlPrivDefEna);
  arm::dsb();
  arm::isb();
}

}  // namespace ward::arch

#if defined(CONFIG_WARD_USERSPACE)
using namespace ward::arch;

extern "C" [[gnu::used]] void ward_mpu_load_domain(const void* domain_view) {
  const auto& domain = *static_cast<const ward::DomainView*>(domain_view);
  std::uint32_t region = mpu::kFirstDomainRegion;
  for (std::size_t i = 0; i < domain.count; ++i, ++region) {
    const ward::Partition& p = domain.partitions[i];
    const auto base = static_cast<std::uint32_t>(p.base());
    const std::uint32_t ap = ward::allows_write(p.access()) ? mpu::kApReadWriteAny : mpu::kApReadOnlyAny;
    set_region(region, mpu::rbar(base, ap, !ward::allows_execute(p.access())),
               mpu::rlar(base + static_cast<std::uint32_t>(p.size()),
                         p.is_device() ? mpu::kAttrDevice : mpu::kAttrNormal));
  }
  for (std::uint32_t stale = region; stale < mpu::kFirstDomainRegion + loaded_regions; ++stale) {
    clear_region(stale);
  }
  loaded_regions = static_cast<std::uint32_t>(domain.count);
  Rnr::write(mpu::kRegionThread);
  ward_switch_state.domain = domain_view;
}
#endif  // CONFIG_WARD_USERSPACE
