/* Counts set bits over the buffer, a byte at a time. */
#include "corpus.h"
PROGRAM(popcount)
{
    u32 bits = 0;
    for (unsigned long i = 0; i < len; i++) {
        u8 b = data[i];
        while (b) {
            bits += b & 1;
            b >>= 1;
        }
    }
    return bits;
}

LICENSE;
