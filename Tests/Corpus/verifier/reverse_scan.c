/* Scans from the end towards the start. */
#include "corpus.h"
PROGRAM(reverse_scan)
{
    u32 h = 0;
    for (unsigned long i = len; i > 0; i--)
        h = h * 31 + data[i - 1];
    return h;
}

LICENSE;
