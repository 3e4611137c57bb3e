/* Drops TCP and UDP packets to ports 22, 23 and 53 over IPv4 (with options) or IPv6 (with
 * extension headers), behind up to two VLAN tags; passes everything else, aborts on headers
 * cut short. */
#include "parse.h"

static __always_inline int blocked(__u16 port)
{
    return port == bpf_htons(22) || port == bpf_htons(23) || port == bpf_htons(53);
}

SEC("xdp")
int xdp_drop_ports(struct xdp_md *ctx)
{
    void *data_end = (void *)(long)ctx->data_end;
    struct cursor c = { .pos = (void *)(long)ctx->data };
    struct ethhdr *eth;
    int proto = parse_ethhdr(&c, data_end, &eth);
    if (proto < 0)
        return XDP_ABORTED;
    int l4;
    if (proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *iph;
        l4 = parse_iphdr(&c, data_end, &iph);
    } else if (proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6h;
        l4 = parse_ip6hdr(&c, data_end, &ip6h);
        if (l4 >= 0)
            l4 = skip_ip6hdrext(&c, data_end, l4);
    } else {
        return XDP_PASS;
    }
    if (l4 == IPPROTO_UDP) {
        struct udphdr *udp;
        if (parse_udphdr(&c, data_end, &udp) < -8)
            return XDP_ABORTED;
        if ((void *)(udp + 1) > data_end)
            return XDP_ABORTED;
        return blocked(udp->dest) ? XDP_DROP : XDP_PASS;
    }
    if (l4 == IPPROTO_TCP) {
        struct tcphdr *tcp;
        if (parse_tcphdr(&c, data_end, &tcp) < 0)
            return XDP_ABORTED;
        return blocked(tcp->dest) ? XDP_DROP : XDP_PASS;
    }
    return l4 < 0 ? XDP_ABORTED : XDP_PASS;
}

LICENSE;
