#include "secure_console.hpp"

#include "ward/arch/arm/semihosting.hpp"

namespace ward::secure {

void console_write(std::string_view text) { arm::semihost::write(text); }

void stop(int status) { arm::semihost::exit(status); }

}  // namespace ward::secure
