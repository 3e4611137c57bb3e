/* A UDP destination-port filter with an optional 802.1Q tag. */
#include "corpus.h"
PROGRAM(vlan_port_filter)
{
    unsigned long l3 = 14;
    if (len < 14)
        return 0;
    u16 type = (data[12] << 8) | data[13];
    if (type == 0x8100) {
        if (len < 18)
            return 0;
        type = (data[16] << 8) | data[17];
        l3 = 18;
    }
    if (type != 0x0800)
        return 0;
    if (len < l3 + 20)
        return 0;
    u32 ihl = (data[l3] & 0x0f) * 4;
    if (ihl < 20 || data[l3 + 9] != 17)
        return 0;
    if (len < l3 + ihl + 8)
        return 0;
    u16 port = (data[l3 + ihl + 2] << 8) | data[l3 + ihl + 3];
    return port == 53;
}

LICENSE;
