/* Clamps the MSS option of TCP SYNs over IPv4 to 1360: walks up to eight TCP options (end,
 * no-op, and kind/length options), rewrites an MSS above 1360 and updates the TCP checksum. */
#include "parse.h"

#define MSS_LIMIT 1360

SEC("xdp")
int xdp_tcp_mss_clamp(struct xdp_md *ctx)
{
    void *data_end = (void *)(long)ctx->data_end;
    struct cursor c = { .pos = (void *)(long)ctx->data };
    struct ethhdr *eth;
    if (parse_ethhdr(&c, data_end, &eth) != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    struct iphdr *iph;
    if (parse_iphdr(&c, data_end, &iph) != IPPROTO_TCP)
        return XDP_PASS;
    struct tcphdr *tcp = c.pos;
    if ((void *)(tcp + 1) > data_end)
        return XDP_PASS;
    if (!tcp->syn)
        return XDP_PASS;
    __u8 *opt = (__u8 *)(tcp + 1);
    __u8 *end = (__u8 *)tcp + tcp->doff * 4;
#pragma unroll
    for (int i = 0; i < 8; i++) {
        if ((void *)(opt + 1) > data_end || opt >= end)
            return XDP_PASS;
        __u8 kind = opt[0];
        if (kind == 0)
            return XDP_PASS;
        if (kind == 1) {
            opt++;
            continue;
        }
        if ((void *)(opt + 2) > data_end)
            return XDP_PASS;
        __u8 len = opt[1];
        if (len < 2)
            return XDP_DROP;
        if (kind == 2 && len == 4) {
            if ((void *)(opt + 4) > data_end)
                return XDP_PASS;
            __u16 *mss = (__u16 *)(opt + 2);
            if (bpf_ntohs(*mss) > MSS_LIMIT) {
                __u16 old = *mss;
                *mss = bpf_htons(MSS_LIMIT);
                tcp->check = csum_replace2(tcp->check, old, *mss);
                return XDP_TX;
            }
            return XDP_PASS;
        }
        opt += len;
    }
    return XDP_PASS;
}

LICENSE;
