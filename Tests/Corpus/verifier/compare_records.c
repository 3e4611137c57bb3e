/* Compares two 16-byte records through two pointers. */
#include "corpus.h"
PROGRAM(compare_records)
{
    if (len < 32)
        return -1;
    u8 *a = data, *b = data + 16;
    for (int i = 0; i < 16; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? 1 : 2;
    return 0;
}

LICENSE;
