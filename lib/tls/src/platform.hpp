// lib/tls's internal link between the client and the platform glue (platform.cpp).
#pragma once

namespace ward::tls {

bool platform_init();   // Mbed TLS's heap and calendar; true once done
bool platform_ready();  // platform_init() succeeded

}  // namespace ward::tls
