// libFuzzer target for ward-image's Intel HEX parser (tools/ward-image/src/intel_hex.cpp): any
// byte string as a HEX file. Crashes and sanitizer reports are findings; so is a parse whose
// image, written back and parsed again, is not the same image (the writer and the reader must
// agree on every input the reader accepts).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "intel_hex.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ward::tool;
  const std::string_view text{reinterpret_cast<const char*>(data), size};
  auto img = ihex::parse(text, 1u << 20);
  if (!img) {
    return 0;
  }
  if (img->bytes.empty() || img->bytes.size() > (1u << 20)) {
    __builtin_trap();
  }
  auto again = ihex::write({{img->base, img->bytes}});
  if (!again) {
    __builtin_trap();
  }
  auto back = ihex::parse(*again, 1u << 20);
  if (!back || back->base != img->base || back->bytes != img->bytes) {
    __builtin_trap();
  }
  return 0;
}
