/* The largest byte and its index. */
#include "corpus.h"
PROGRAM(max_byte)
{
    u32 best = 0, at = 0;
    for (unsigned long i = 0; i < len; i++)
        if (data[i] > best) {
            best = data[i];
            at = i;
        }
    return (at << 8) | best;
}

LICENSE;
