/* Sums 32-bit words while i + 4 <= len, then the tail bytes. */
#include "corpus.h"
PROGRAM(sum_words_guarded)
{
    u32 sum = 0;
    unsigned long i = 0;
    for (; i + 4 <= len; i += 4)
        sum += *(u32 *)(data + i);
    for (; i < len; i++)
        sum += data[i];
    return sum;
}

LICENSE;
