/* Stack array: sieve of Eratosthenes on a 256-byte byte array (numbers below 256),
 * repeated; returns the sum of the primes found each round, mixed with the round's seed. */
#include "bench.h"

BENCH(sieve) {
    u8 composite[256];
    u64 acc = len;
    for (u32 round = 0; round < 40; round++) {
        for (u32 i = 0; i < 256; i += 8)
            *(u64 *)&composite[i] = 0;
        for (u32 i = 2; i < 16; i++) {
            if (composite[i]) continue;
            for (u32 j = i * i; j < 256; j += i)
                composite[j] = 1;
        }
        for (u32 i = 2; i < 256; i++)
            if (!composite[i]) acc = acc * 3 + i + round;
    }
    return acc;
}
