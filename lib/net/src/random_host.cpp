// ward::net::random32 on the host: the kernel's generator.
#include <sys/random.h>

#include <cstdlib>

#include "ward/net/random.hpp"

namespace ward::net {

std::uint32_t random32() {
  std::uint32_t value = 0;
  if (getrandom(&value, sizeof value, 0) != static_cast<ssize_t>(sizeof value)) {
    std::abort();
  }
  return value;
}

}  // namespace ward::net
