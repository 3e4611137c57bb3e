/* A sieve whose inner loop starts at i * i; the limit comes from the length. */
#include "corpus.h"
PROGRAM(sieve)
{
    u8 composite[128] = {};
    unsigned long limit = len < 128 ? len : 128;
    for (unsigned long i = 2; i * i < limit; i++)
        if (!composite[i])
            for (unsigned long j = i * i; j < limit; j += i)
                composite[j] = 1;
    u32 primes = 0;
    for (unsigned long i = 2; i < limit; i++)
        primes += !composite[i];
    return primes;
}

LICENSE;
