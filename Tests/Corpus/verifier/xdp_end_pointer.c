/* An XDP-style check against end = data + len, then a read at 14 + ihl + 2. */
#include "corpus.h"
PROGRAM(xdp_end_pointer)
{
    u8 *end = data + len;
    if (data + 34 > end)
        return 2;
    u32 ihl = (data[14] & 0x0f) * 4;
    if (data + 14 + ihl + 4 > end)
        return 2;
    u16 port = (data[14 + ihl + 2] << 8) | data[14 + ihl + 3];
    return port == 22 ? 1 : 2;
}

LICENSE;
