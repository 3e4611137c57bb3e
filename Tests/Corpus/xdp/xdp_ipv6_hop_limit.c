/* Decrements the hop limit of IPv6 packets (behind up to two VLAN tags) and drops those whose
 * hop limit is already 1 or less; drops IPv6 packets carrying ICMPv6 router advertisements
 * after walking the extension headers. */
#include "parse.h"

SEC("xdp")
int xdp_ipv6_hop_limit(struct xdp_md *ctx)
{
    void *data_end = (void *)(long)ctx->data_end;
    struct cursor c = { .pos = (void *)(long)ctx->data };
    struct ethhdr *eth;
    if (parse_ethhdr(&c, data_end, &eth) != bpf_htons(ETH_P_IPV6))
        return XDP_PASS;
    struct ipv6hdr *ip6h;
    int next = parse_ip6hdr(&c, data_end, &ip6h);
    if (next < 0)
        return XDP_ABORTED;
    if (ip6h->hop_limit <= 1)
        return XDP_DROP;
    ip6h->hop_limit--;
    next = skip_ip6hdrext(&c, data_end, next);
    if (next == IPPROTO_ICMPV6) {
        __u8 *icmp6 = c.pos;
        if ((void *)(icmp6 + 1) > data_end)
            return XDP_ABORTED;
        if (icmp6[0] == 134)
            return XDP_DROP;
    }
    return XDP_PASS;
}

LICENSE;
