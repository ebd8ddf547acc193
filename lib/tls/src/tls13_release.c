/* lib/tls's one use of Mbed TLS's internals (ssl_misc.h), compiled with Mbed TLS's own sources and
 * flags (ward_mbedtls_<variant>, as heap_arena.inc): after a completed TLS 1.3 handshake, free the
 * handshake state that Mbed TLS 3.6 keeps until mbedtls_ssl_free (a TLS 1.2 handshake's wrap-up frees
 * it at once). It holds the handshake traffic keys (2 volatile keys) and the transcript hashes (2
 * operations) in the secure world, in the non-secure kernel's share: kept by every open session, three
 * idle TLS socket sessions left no room for a fourth handshake (docs/networking.md, "TLS sockets for
 * user threads"; qemu.net.tls_quota's idle and sessions). Nothing needs it afterwards in lib/tls's
 * configurations: no session tickets (a NewSessionTicket is ignored without the handshake state), no
 * early data, no key update, no post-handshake authentication in Mbed TLS 3.6. */
#include "ssl_misc.h"

#include "mbedtls/platform.h"

int ward_tls13_release_handshake(mbedtls_ssl_context *ssl)
{
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
#if defined(MBEDTLS_SSL_SESSION_TICKETS) || defined(MBEDTLS_SSL_EARLY_DATA)
#error "lib/tls frees a TLS 1.3 session's handshake state: tickets and early data would need it"
#endif
    if (ssl == NULL || ssl->handshake == NULL || !mbedtls_ssl_is_handshake_over(ssl) ||
        ssl->tls_version != MBEDTLS_SSL_VERSION_TLS1_3) {
        return 0;
    }
    mbedtls_ssl_handshake_free(ssl);
    mbedtls_free(ssl->handshake);
    ssl->handshake = NULL;
    return 1;
#else
    (void) ssl;
    return 0;
#endif
}
