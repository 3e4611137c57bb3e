/* An Ethernet / IPv4 / TCP header parser written the way XDP programs are (every access
 * after a comparison with the end of the packet, so the verifier proves it safe for any
 * length, variable IPv4 header length included): a flow hash of the addresses, the ports,
 * the TCP flags and the header length, 0 for anything that is not TCP over IPv4. */
#include "bench.h"

BENCH(parser) {
    const u8 *p = mem;
    const u8 *end = p + len;
    if (p + 34 > end) return 0;
    if (p[12] != 0x08 || p[13] != 0x00) return 0;
    const u8 *ip = p + 14;
    if ((ip[0] >> 4) != 4 || ip[9] != 6) return 0;
    u64 ihl = (u64)(ip[0] & 15) * 4;
    if (ihl < 20) return 0;
    const u8 *tcp = ip + ihl;
    if (tcp + 20 > end) return 0;
    u64 src = *(const u32 *)(ip + 12);
    u64 dst = *(const u32 *)(ip + 16);
    u64 ports = *(const u32 *)tcp;
    u64 flags = tcp[13];
    u64 h = (src * 0x9e3779b97f4a7c15ULL) ^ dst;
    h = (h * 0x9e3779b97f4a7c15ULL) ^ ports;
    return h ^ (flags << 56) ^ ihl;
}
