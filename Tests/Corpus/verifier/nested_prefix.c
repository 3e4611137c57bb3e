/* Nested loops: the inner loop reads every byte before the outer index. */
#include "corpus.h"
PROGRAM(nested_prefix)
{
    u32 count = 0;
    unsigned long n = len < 64 ? len : 64;
    for (unsigned long i = 0; i < n; i++)
        for (unsigned long j = 0; j < i; j++)
            if (data[j] == data[i])
                count++;
    return count;
}

LICENSE;
