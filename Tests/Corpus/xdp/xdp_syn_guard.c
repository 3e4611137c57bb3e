/* Drops TCP packets with impossible flag combinations (SYN+FIN, SYN+RST, no flags at all, FIN
 * without ACK) over IPv4 and IPv6; returns XDP_TX for plain SYNs to port 80 with the flags
 * turned into SYN+ACK and the ports swapped, checksum updated. */
#include "parse.h"

SEC("xdp")
int xdp_syn_guard(struct xdp_md *ctx)
{
    void *data_end = (void *)(long)ctx->data_end;
    struct cursor c = { .pos = (void *)(long)ctx->data };
    struct ethhdr *eth;
    int proto = parse_ethhdr(&c, data_end, &eth);
    int l4 = -1;
    if (proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *iph;
        l4 = parse_iphdr(&c, data_end, &iph);
    } else if (proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6h;
        l4 = parse_ip6hdr(&c, data_end, &ip6h);
    }
    if (l4 != IPPROTO_TCP)
        return XDP_PASS;
    struct tcphdr *tcp;
    if (parse_tcphdr(&c, data_end, &tcp) < 0)
        return XDP_PASS;
    __u8 flags = ((__u8 *)tcp)[13];
    if ((flags & 0x03) == 0x03 || (flags & 0x06) == 0x06 || flags == 0 || (flags & 0x11) == 0x01)
        return XDP_DROP;
    if (flags == 0x02 && tcp->dest == bpf_htons(80)) {
        __u16 old = *(__u16 *)((__u8 *)tcp + 12);
        ((__u8 *)tcp)[13] = 0x12;
        __u16 now = *(__u16 *)((__u8 *)tcp + 12);
        tcp->check = csum_replace2(tcp->check, old, now);
        __u16 port = tcp->source;
        tcp->source = tcp->dest;
        tcp->dest = port;
        return XDP_TX;
    }
    return XDP_PASS;
}

LICENSE;
