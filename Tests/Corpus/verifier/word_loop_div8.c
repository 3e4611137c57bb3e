/* Xors 64-bit words up to len / 8. */
#include "corpus.h"
PROGRAM(word_loop_div8)
{
    u64 acc = 0;
    unsigned long words = len / 8;
    for (unsigned long w = 0; w < words; w++)
        acc ^= *(u64 *)(data + w * 8);
    return (u32)(acc ^ (acc >> 32));
}

LICENSE;
