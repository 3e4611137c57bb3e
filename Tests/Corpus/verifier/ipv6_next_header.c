/* Walks IPv6 extension headers (hop-by-hop, routing, destination options). */
#include "corpus.h"
PROGRAM(ipv6_next_header)
{
    if (len < 54)
        return 0;
    if (((data[12] << 8) | data[13]) != 0x86dd)
        return 0;
    u8 next = data[20];
    unsigned long off = 54;
    for (int n = 0; n < 4; n++) {
        if (next != 0 && next != 43 && next != 60)
            break;
        if (off + 2 > len)
            return 0;
        next = data[off];
        off += (data[off + 1] + 1) * 8;
    }
    return next;
}

LICENSE;
