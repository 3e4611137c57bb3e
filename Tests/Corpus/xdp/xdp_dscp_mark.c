/* Marks UDP traffic to port 5060 (SIP) and TCP to 443 with DSCP EF (46): in IPv4 the TOS byte,
 * with the header checksum updated; in IPv6 the traffic class. */
#include "parse.h"

#define DSCP_EF 46

SEC("xdp")
int xdp_dscp_mark(struct xdp_md *ctx)
{
    void *data_end = (void *)(long)ctx->data_end;
    struct cursor c = { .pos = (void *)(long)ctx->data };
    struct ethhdr *eth;
    int proto = parse_ethhdr(&c, data_end, &eth);
    struct iphdr *iph = 0;
    struct ipv6hdr *ip6h = 0;
    int l4;
    if (proto == bpf_htons(ETH_P_IP))
        l4 = parse_iphdr(&c, data_end, &iph);
    else if (proto == bpf_htons(ETH_P_IPV6))
        l4 = parse_ip6hdr(&c, data_end, &ip6h);
    else
        return XDP_PASS;
    __u16 port;
    if (l4 == IPPROTO_UDP) {
        struct udphdr *udp = c.pos;
        if ((void *)(udp + 1) > data_end)
            return XDP_PASS;
        port = udp->dest;
        if (port != bpf_htons(5060))
            return XDP_PASS;
    } else if (l4 == IPPROTO_TCP) {
        struct tcphdr *tcp = c.pos;
        if ((void *)(tcp + 1) > data_end)
            return XDP_PASS;
        port = tcp->dest;
        if (port != bpf_htons(443))
            return XDP_PASS;
    } else {
        return XDP_PASS;
    }
    if (iph) {
        __u16 old = *(__u16 *)iph;
        iph->tos = (DSCP_EF << 2) | (iph->tos & 3);
        iph->check = csum_replace2(iph->check, old, *(__u16 *)iph);
    } else if (ip6h) {
        __u8 *bytes = (__u8 *)ip6h;
        __u8 tclass = DSCP_EF << 2;
        bytes[0] = (bytes[0] & 0xf0) | (tclass >> 4);
        bytes[1] = (bytes[1] & 0x0f) | (tclass << 4);
    }
    return XDP_PASS;
}

LICENSE;
