// Who is calling a secure service. The secure side decides this itself: a non-secure caller never
// names its own identity (the non-secure kernel reports which of its threads is running, and the
// secure side maps that into the non-secure range, so no caller can claim a secure identity).
//
// Convention (as in TF-M): non-secure clients are negative, secure partitions positive, 0 is no
// one. Keys (Mbed TLS's owner field) and storage entries are separated by this identity.
#pragma once
#include <cstdint>

namespace ward::secure {

enum class ClientId : std::int32_t {};

constexpr std::int32_t raw(ClientId id) { return static_cast<std::int32_t>(id); }
constexpr bool is_nonsecure(ClientId id) { return raw(id) < 0; }

// The secure partitions' own identities (their private storage namespaces).
inline constexpr ClientId kCryptoPartition{1};   // persistent keys, the DRBG seed
inline constexpr ClientId kStoragePartition{2};  // PS's replay-protection records in ITS
inline constexpr ClientId kFwuPartition{3};      // Firmware Update: one record per component in ITS

// Non-secure thread n (n >= 1, as reported by the non-secure kernel) is client -n.
constexpr ClientId nonsecure_client(std::uint32_t ns_thread) {
  return ClientId{-static_cast<std::int32_t>(ns_thread & 0x7fffffffu)};
}

// Every privileged non-secure thread: the non-secure kernel (WARD_SPE_KERNEL_THREAD, gateway.h).
inline constexpr ClientId kNonsecureKernel = nonsecure_client(0x100u);

}  // namespace ward::secure
