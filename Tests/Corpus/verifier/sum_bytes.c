/* Sums every byte: the plain loop over the buffer. */
#include "corpus.h"
PROGRAM(sum_bytes)
{
    u32 sum = 0;
    for (unsigned long i = 0; i < len; i++)
        sum += data[i];
    return sum;
}

LICENSE;
