/* Data-dependent branches: a small state machine driven by the buffer's bytes
 * (unpredictable for the branch predictor). */
#include "bench.h"

BENCH(branches) {
    const u8 *p = mem;
    u64 state = 0, acc = 0;
    for (u32 round = 0; round < 4; round++) {
        for (u64 i = 0; i < len && i < 65536; i++) {
            u8 c = p[i];
            if (c < 64) {
                acc += c;
                state = 1;
            } else if (c < 128) {
                if (state == 1) acc ^= c << 3; else acc -= c;
                state = 2;
            } else if (c & 1) {
                acc = acc * 5 + state;
                state = 3;
            } else {
                if (state == 3) acc += 17;
                state = 0;
            }
        }
    }
    return acc ^ state;
}
