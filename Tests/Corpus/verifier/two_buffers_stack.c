/* XORs the buffer into a stack ring of 32 bytes, index masked. */
#include "corpus.h"
PROGRAM(two_buffers_stack)
{
    u8 ring[32] = {};
    for (unsigned long i = 0; i < len; i++)
        ring[i & 31] ^= data[i];
    u32 h = 0;
    for (int k = 0; k < 32; k++)
        h = (h << 1 | h >> 31) ^ ring[k];
    return h;
}

LICENSE;
