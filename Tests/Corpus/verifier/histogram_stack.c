/* A stack array indexed by a computed value (byte & 63). */
#include "corpus.h"
PROGRAM(histogram_stack)
{
    u8 hist[64] = {};
    for (unsigned long i = 0; i < len; i++)
        hist[data[i] & 63]++;
    u32 best = 0;
    for (int k = 0; k < 64; k++)
        if (hist[k] > hist[best])
            best = k;
    return best;
}

LICENSE;
