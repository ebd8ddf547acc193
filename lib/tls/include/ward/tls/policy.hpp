// The image's TLS policy (docs/networking.md, "TLS defaults and how to change them"): what every
// ward::tls::Client connection of this image must hold to, from its Kconfig (lib/tls/Kconfig). The
// hardened defaults: TLS 1.2 at least, a verified chain, the hostname checked. A production build
// refuses the configuration with either check off (scripts/kconfig/ward_config.py).
//
// lib/tls is compiled once per preset; the policy is compiled into each image
// (lib/tls/src/policy.cpp, an interface source of ward_tls) from that image's ward/config.hpp, and
// Client::connect reads it for every connection: ClientOptions cannot go below it.
#pragma once

#include "ward/tls/client.hpp"

namespace ward::tls {

struct Policy {
  Version min_version = Version::tls1_2;  // CONFIG_WARD_TLS_MIN_VERSION: the floor under ClientOptions'
  bool verify_peer = true;                // CONFIG_WARD_TLS_VERIFY_PEER
  bool hostname_check = true;             // CONFIG_WARD_TLS_HOSTNAME_CHECK
};

// This image's policy (defined in lib/tls/src/policy.cpp, compiled with the image's configuration).
const Policy& image_policy();

}  // namespace ward::tls
