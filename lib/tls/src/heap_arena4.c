/* lib/tls's heap 4 (TLS socket slot 3's heap): Mbed TLS's buffer allocator with its own state (heap_arena.inc). */
#define WARD_TLS_ARENA 4
#include "heap_arena.inc"
