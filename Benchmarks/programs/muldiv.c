/* Multiply/divide-heavy loop: a linear congruential generator, unsigned division and
 * remainder by data-dependent divisors (never zero). */
#include "bench.h"

BENCH(muldiv) {
    u64 x = 88172645463325252ULL + len, acc = 0;
    for (u32 i = 1; i <= 20000; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        u64 d = (x >> 40) | 1;
        acc += x / d;
        acc ^= (x % (i + 7)) * 31;
        u32 q = (u32)x / ((u32)i | 3);
        acc += q;
    }
    return acc;
}
