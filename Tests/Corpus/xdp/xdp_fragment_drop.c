/* Drops IPv4 fragments (more-fragments flag or a fragment offset) and IPv6 packets with a
 * fragment extension header; passes the rest. */
#include "parse.h"

SEC("xdp")
int xdp_fragment_drop(struct xdp_md *ctx)
{
    void *data_end = (void *)(long)ctx->data_end;
    struct cursor c = { .pos = (void *)(long)ctx->data };
    struct ethhdr *eth;
    int proto = parse_ethhdr(&c, data_end, &eth);
    if (proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *iph;
        if (parse_iphdr(&c, data_end, &iph) < 0)
            return XDP_PASS;
        return iph->frag_off & bpf_htons(0x3fff) ? XDP_DROP : XDP_PASS;
    }
    if (proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6h;
        int next = parse_ip6hdr(&c, data_end, &ip6h);
#pragma unroll
        for (int i = 0; i < 3; i++) {
            if (next == IPPROTO_FRAGMENT)
                return XDP_DROP;
            if (next != IPPROTO_HOPOPTS && next != IPPROTO_DSTOPTS && next != IPPROTO_ROUTING)
                return XDP_PASS;
            __u8 *hdr = c.pos;
            if ((void *)(hdr + 2) > data_end)
                return XDP_PASS;
            next = hdr[0];
            c.pos = hdr + (hdr[1] + 1) * 8;
        }
        return next == IPPROTO_FRAGMENT ? XDP_DROP : XDP_PASS;
    }
    return XDP_PASS;
}

LICENSE;
