/* Bubble-sorts up to 16 bytes (xored with 0x5a) copied to the stack. */
#include "corpus.h"
PROGRAM(bubble_sort_stack)
{
    u8 v[16] = {};
    unsigned long n = len < 16 ? len : 16;
    for (unsigned long i = 0; i < n; i++)
        v[i] = data[i] ^ 0x5a;
    for (int i = 0; i < 16; i++)
        for (int j = 0; j + 1 < 16 - i; j++)
            if (v[j] > v[j + 1]) {
                u8 t = v[j];
                v[j] = v[j + 1];
                v[j + 1] = t;
            }
    return (v[0] << 8) | v[15];
}

LICENSE;
