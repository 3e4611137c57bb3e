/* Reads pairs of big-endian 16-bit values with a signed index. */
#include "corpus.h"
PROGRAM(u16_stride_pairs)
{
    s32 count = (s32)(len / 4);
    if (count > 256)
        count = 256;
    u32 diff = 0;
    for (s32 k = 0; k < count; k++) {
        u16 x = (data[4 * k] << 8) | data[4 * k + 1];
        u16 y = (data[4 * k + 2] << 8) | data[4 * k + 3];
        diff += x > y ? x - y : y - x;
    }
    return diff;
}

LICENSE;
