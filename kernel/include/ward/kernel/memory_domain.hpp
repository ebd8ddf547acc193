// Memory domains: what a user-mode thread may touch besides its own stack.
//
// A partition is one contiguous range with one access right (read, read-write, read-execute),
// either memory the application reserves with PartitionMemory<N> or a fixed device range. A
// domain is a set of partitions; every user thread belongs to one domain, and the MPU enforces it
// while the thread runs. All of it is declared statically, once per application:
//
//   ward::PartitionMemory<256> shared;                         // aligned for the MPU, in .bss
//   constexpr ward::Domain<2> workers{
//       ward::Partition::of(shared, ward::Access::read_write),
//       ward::Partition::device(0x40100000, 0x1000, ward::Access::read_write)};
//
// The declarations are checked while compiling, against what the port's memory protection can
// enforce (ward/arch/memory_protection.hpp: its granularity, its free regions, its device space): a
// partition that is misaligned or not a multiple of the granularity, writable and executable at
// once, empty, a device range outside the device space, more partitions than the MPU has free
// regions, or two overlapping partitions in one domain do not compile, and the compiler's message
// says which rule was broken.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "ward/arch/memory_protection.hpp"
#include "ward/config.hpp"

namespace ward {

// Access rights of a partition. Unprivileged code gets exactly these; nothing is ever both
// writable and executable.
enum class Access : std::uint8_t {
  read = 1,
  read_write = 3,
  read_execute = 5,
};

constexpr bool allows_write(Access a) { return (static_cast<unsigned>(a) & 2u) != 0; }
constexpr bool allows_execute(Access a) { return (static_cast<unsigned>(a) & 4u) != 0; }

namespace mpu_rules {
// What the port's memory protection can enforce (ward/arch/memory_protection.hpp).
inline constexpr std::size_t kGranule = arch::protection::kGranule;
inline constexpr std::size_t kPartitionRegions = arch::protection::kRegions - arch::protection::kKernelRegions;
// Device partitions live here.
inline constexpr std::uintptr_t kPeripheralStart = arch::protection::kDeviceStart;
inline constexpr std::uintptr_t kPeripheralEnd = arch::protection::kDeviceEnd;

// Called only in constant evaluation: a call to this function is the compile error, and the
// compiler prints the argument with it.
inline void layout_error(const char*) {}
}  // namespace mpu_rules

// Application memory that becomes one partition: aligned and sized for the MPU.
template <std::size_t Bytes>
struct alignas(mpu_rules::kGranule) PartitionMemory {
  static_assert(Bytes > 0 && Bytes % mpu_rules::kGranule == 0,
                "a partition's size must be a non-zero multiple of the MPU's granularity (arch::protection::kGranule)");
  std::byte bytes[Bytes];
  static constexpr std::size_t size() { return Bytes; }
};

// One contiguous range and its access right.
class Partition {
 public:
  template <std::size_t Bytes>
  static consteval Partition of(PartitionMemory<Bytes>& memory, Access access) {
    check_access(access);
    return Partition{&memory, 0, Bytes, access, false};
  }

  // A fixed device range (memory-mapped peripherals), given as numbers.
  static consteval Partition device(std::uintptr_t base, std::size_t size, Access access) {
    check_access(access);
    if (allows_execute(access)) {
      mpu_rules::layout_error("a device partition cannot be executable");
    }
    if (size == 0 || base % mpu_rules::kGranule != 0 || size % mpu_rules::kGranule != 0) {
      mpu_rules::layout_error("a partition's base and size must be multiples of the MPU's granularity (arch::protection::kGranule)");
    }
    if (base < mpu_rules::kPeripheralStart || base >= mpu_rules::kPeripheralEnd ||
        size > mpu_rules::kPeripheralEnd - base) {
      mpu_rules::layout_error("a device partition must lie inside the device space (arch::protection::kDeviceStart..kDeviceEnd)");
    }
    return Partition{nullptr, base, size, access, true};
  }

  std::uintptr_t base() const { return device_ ? fixed_base_ : reinterpret_cast<std::uintptr_t>(memory_); }
  constexpr std::size_t size() const { return size_; }
  constexpr Access access() const { return access_; }
  constexpr bool is_device() const { return device_; }

  // Whether two partitions certainly overlap, decided while compiling: the same memory object
  // twice, or two fixed ranges that intersect. (Distinct memory objects never overlap.)
  // (A flag, not a null test on the address: GCC cannot compare an inline variable's address
  // with nullptr at compile time when null-pointer checks are kept, as under UBSan.)
  constexpr bool overlaps(const Partition& o) const {
    if (!device_ || !o.device_) {
      return !device_ && !o.device_ && memory_ == o.memory_;
    }
    return fixed_base_ < o.fixed_base_ + o.size_ && o.fixed_base_ < fixed_base_ + size_;
  }

  constexpr Partition() = default;

 private:
  constexpr Partition(void* memory, std::uintptr_t fixed_base, std::size_t size, Access access, bool device)
      : memory_{memory}, fixed_base_{fixed_base}, size_{size}, access_{access}, device_{device} {}

  static consteval void check_access(Access access) {
    if (access != Access::read && access != Access::read_write && access != Access::read_execute) {
      mpu_rules::layout_error("a partition cannot be both writable and executable");
    }
  }

  void* memory_ = nullptr;
  std::uintptr_t fixed_base_ = 0;
  std::size_t size_ = 0;
  Access access_ = Access::read;
  bool device_ = false;
};

// The type-erased view of a domain the kernel works with.
struct DomainView {
  const Partition* partitions;
  std::size_t count;

  // Whether [address, address + size) lies inside one MEMORY partition that allows `access`: what
  // a system call may accept as a buffer. Never a device range: the kernel does not touch a device
  // on a thread's behalf (an access that faults -- a bus error, a secure alias -- would then fault
  // in the kernel). The arithmetic cannot overflow: sizes are compared, never end addresses computed.
  bool holds_buffer(std::uintptr_t address, std::size_t size, bool write) const {
    for (std::size_t i = 0; i < count; ++i) {
      const Partition& p = partitions[i];
      if (p.is_device() || (write && !allows_write(p.access()))) {
        continue;
      }
      const std::uintptr_t base = p.base();
      if (address >= base && address - base <= p.size() && size <= p.size() - (address - base)) {
        return true;
      }
    }
    return false;
  }
};

// A memory domain of N partitions. Declare it `constexpr` at namespace scope; threads keep a
// pointer to it (as a DomainView), and the context switch compares those pointers.
template <std::size_t N>
class Domain : public DomainView {
  static_assert(N <= mpu_rules::kPartitionRegions,
                "a domain has more partitions than the MPU has free regions (arch::protection)");

 public:
  template <class... P>
  // cppcheck-suppress uninitDerivedMemberVar ; DomainView{nullptr, N} sets count
  consteval Domain(P... parts) : DomainView{nullptr, N}, storage_{parts...} {
    static_assert(sizeof...(P) == N, "a Domain<N> lists exactly N partitions");
    partitions = storage_.data();
    for (std::size_t i = 0; i < N; ++i) {
      for (std::size_t j = i + 1; j < N; ++j) {
        if (storage_[i].overlaps(storage_[j])) {
          mpu_rules::layout_error("two partitions of one domain overlap (the MPU's regions may not)");
        }
      }
    }
  }
  Domain(const Domain&) = delete;
  Domain& operator=(const Domain&) = delete;
  ~Domain() = default;

 private:
  std::array<Partition, N> storage_;
};

template <class... P>
Domain(P...) -> Domain<sizeof...(P)>;

}  // namespace ward
