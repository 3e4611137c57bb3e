/* Different reads per IP protocol: TCP, UDP, ICMP. */
#include "corpus.h"
PROGRAM(protocol_switch)
{
    if (len < 34 || ((data[12] << 8) | data[13]) != 0x0800)
        return 0;
    u32 ihl = (data[14] & 0x0f) * 4;
    if (ihl < 20)
        return 0;
    unsigned long l4 = 14 + ihl;
    switch (data[23]) {
    case 6:
        if (len < l4 + 20)
            return 0;
        return 0x100 | data[l4 + 13];
    case 17:
        if (len < l4 + 8)
            return 0;
        return 0x200 | data[l4 + 7];
    case 1:
        if (len < l4 + 4)
            return 0;
        return 0x300 | data[l4];
    default:
        return 1;
    }
}

LICENSE;
