/* The length clamped to 100 with a conditional, then a loop to it. */
#include "corpus.h"
PROGRAM(clamped_length)
{
    unsigned long n = len > 100 ? 100 : len;
    u32 odd = 0;
    for (unsigned long i = 0; i < n; i++)
        odd += data[i] & 1;
    return odd;
}

LICENSE;
