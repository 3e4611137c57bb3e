/* Counts runs of equal bytes, comparing each byte with the one before. */
#include "corpus.h"
PROGRAM(run_lengths)
{
    if (len == 0)
        return 0;
    u32 runs = 1;
    for (unsigned long i = 1; i < len; i++)
        if (data[i] != data[i - 1])
            runs++;
    return runs;
}

LICENSE;
