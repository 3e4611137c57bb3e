/* Copies at most 64 bytes (xored with their index) into a stack buffer, then sums the buffer. */
#include "corpus.h"
PROGRAM(copy_to_stack)
{
    u8 buf[64];
    unsigned long n = len < 64 ? len : 64;
    for (unsigned long i = 0; i < n; i++)
        buf[i] = data[i] ^ (u8)i;
    u32 sum = 0;
    for (unsigned long i = 0; i < n; i++)
        sum += buf[i] * (i + 1);
    return sum;
}

LICENSE;
