/* lib/tls's heap 0 (heap 0: Clients used directly): Mbed TLS's buffer allocator with its own state (heap_arena.inc). */
#define WARD_TLS_ARENA 0
#include "heap_arena.inc"
