/* lib/tls's heap 3 (TLS socket slot 2's heap): Mbed TLS's buffer allocator with its own state (heap_arena.inc). */
#define WARD_TLS_ARENA 3
#include "heap_arena.inc"
