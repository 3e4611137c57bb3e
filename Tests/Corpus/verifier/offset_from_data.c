/* An offset read from the packet, checked against len, then used. */
#include "corpus.h"
PROGRAM(offset_from_data)
{
    if (len < 2)
        return 0;
    u32 off = (data[0] << 8) | data[1];
    if (off >= len)
        return 0;
    u32 span = len - off;
    u32 sum = 0;
    for (u32 i = 0; i < span && i < 32; i++)
        sum += data[off + i];
    return sum;
}

LICENSE;
