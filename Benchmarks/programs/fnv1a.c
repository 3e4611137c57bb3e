/* Byte loads over the buffer: FNV-1a 64-bit hash, repeated 8 times. */
#include "bench.h"

BENCH(fnv1a) {
    const u8 *p = mem;
    u64 h = 0xcbf29ce484222325ULL;
    for (u32 round = 0; round < 8; round++) {
        for (u64 i = 0; i < len && i < 65536; i++) {
            h ^= p[i];
            h *= 0x100000001b3ULL;
        }
        h ^= round;
    }
    return h;
}
