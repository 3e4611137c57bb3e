/* Ethernet, IPv4 and TCP headers, each checked against len before it is read. */
#include "corpus.h"
PROGRAM(header_parser)
{
    if (len < 14)
        return 0;
    if (((data[12] << 8) | data[13]) != 0x0800)
        return 1;
    if (len < 34)
        return 0;
    u32 ihl = (data[14] & 0x0f) * 4;
    if (ihl < 20)
        return 0;
    if (data[23] != 6)
        return 2;
    if (len < 14 + ihl + 20)
        return 0;
    u8 *tcp = data + 14 + ihl;
    u32 dport = (tcp[2] << 8) | tcp[3];
    u32 flags = tcp[13];
    return dport == 80 && (flags & 0x02) ? 3 : 4;
}

LICENSE;
