/* A packet header parser: Ethernet, optional VLAN, IPv4 (with options), TCP/UDP
 * ports. Very short: call overhead dominates. Returns a flow key or 0 (drop). */
#include "bench.h"

BENCH(packet) {
    const u8 *p = mem;
    if (len < 14) return 0;
    u32 type = (u32)p[12] << 8 | p[13];
    u64 off = 14;
    if (type == 0x8100) {
        if (len < 18) return 0;
        type = (u32)p[16] << 8 | p[17];
        off = 18;
    }
    if (type != 0x0800) return 1;
    if (len < off + 20) return 0;
    const u8 *ip = p + off;
    if ((ip[0] >> 4) != 4) return 0;
    u64 ihl = (u64)(ip[0] & 15) * 4;
    if (ihl < 20) return 0;
    u32 proto = ip[9];
    u32 src = (u32)ip[12] << 24 | (u32)ip[13] << 16 | (u32)ip[14] << 8 | ip[15];
    u32 dst = (u32)ip[16] << 24 | (u32)ip[17] << 16 | (u32)ip[18] << 8 | ip[19];
    if (proto != 6 && proto != 17) return (u64)src << 32 | dst;
    if (len < off + ihl + 4) return 0;
    const u8 *l4 = ip + ihl;
    u32 sport = (u32)l4[0] << 8 | l4[1];
    u32 dport = (u32)l4[2] << 8 | l4[3];
    return ((u64)src * 31 + dst) ^ ((u64)sport << 32 | (u64)dport << 16 | proto);
}
