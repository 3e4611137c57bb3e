/* 64-bit loads over the buffer: a Fletcher-style checksum with two accumulators,
 * repeated 16 times. */
#include "bench.h"

BENCH(sum64) {
    const u64 *p = mem;
    u64 words = len / 8;
    u64 a = 1, b = 0;
    for (u32 round = 0; round < 16; round++) {
        for (u64 i = 0; i < words && i < 8192; i++) {
            a += p[i];
            b += a ^ (p[i] >> 3);
        }
    }
    return a ^ (b << 1);
}
