/* lib/tls's heap 2 (TLS socket slot 1's heap): Mbed TLS's buffer allocator with its own state (heap_arena.inc). */
#define WARD_TLS_ARENA 2
#include "heap_arena.inc"
