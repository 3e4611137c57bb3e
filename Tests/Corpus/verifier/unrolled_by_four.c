/* A loop unrolled four times with a remainder loop. */
#include "corpus.h"
PROGRAM(unrolled_by_four)
{
    u32 a = 0, b = 0, c = 0, d = 0;
    unsigned long i = 0;
    for (; i + 3 < len; i += 4) {
        a += data[i];
        b ^= data[i + 1];
        c += data[i + 2] << 1;
        d |= data[i + 3];
    }
    for (; i < len; i++)
        a += data[i];
    return a ^ b ^ c ^ d;
}

LICENSE;
