/* The index of the first 0x0a byte, or -1. */
#include "corpus.h"
PROGRAM(find_byte)
{
    for (unsigned long i = 0; i < len; i++)
        if (data[i] == '\n')
            return i;
    return -1;
}

LICENSE;
