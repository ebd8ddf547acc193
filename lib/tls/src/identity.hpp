// lib/tls's internal link between the client and the device identity (device_identity.cpp).
#pragma once
#include "mbedtls/pk.h"

namespace ward::tls {

// Do the two PK contexts hold the same public key? (SubjectPublicKeyInfo compared byte for byte;
// an opaque key's is exported from the secure world.)
bool public_keys_match(const mbedtls_pk_context& certified, const mbedtls_pk_context& key);

}  // namespace ward::tls
