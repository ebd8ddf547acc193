/* lib/tls's heap 1 (TLS socket slot 0's heap): Mbed TLS's buffer allocator with its own state (heap_arena.inc). */
#define WARD_TLS_ARENA 1
#include "heap_arena.inc"
