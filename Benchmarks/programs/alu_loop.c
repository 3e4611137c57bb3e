/* Pure ALU loop: xorshift64 and rotations, no memory traffic. */
#include "bench.h"

BENCH(alu_loop) {
    u64 x = 0x9E3779B97F4A7C15ULL ^ len, y = 0x2545F4914F6CDD1DULL, acc = 0;
    for (u32 i = 0; i < 100000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        y = (y << 9 | y >> 55) + x;
        acc += (x ^ y) & 0xffff;
        acc ^= i;
    }
    return acc ^ x ^ y;
}
