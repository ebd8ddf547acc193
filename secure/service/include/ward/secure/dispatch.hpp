// The secure services' single entry: the veneer (firmware) and the host transport call it with
// secure copies of the caller's vectors and the identity the secure side derived.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include <psa/error.h>

#include "ward/secure/identity.hpp"

namespace ward::secure {

psa_status_t dispatch(ClientId caller, std::uint32_t service, std::int32_t type,
                      std::span<const std::span<const std::byte>> in, std::span<const std::span<std::byte>> out,
                      std::span<std::size_t> out_written);

}  // namespace ward::secure
