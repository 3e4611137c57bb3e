/* Answers ICMPv6 echo requests (type 128) directly after the IPv6 header: swaps MAC and IPv6
 * addresses, sets the hop limit to 64 and the type to 129 with the checksum updated. */
#include "parse.h"

SEC("xdp")
int xdp_icmp6_echo(struct xdp_md *ctx)
{
    void *data_end = (void *)(long)ctx->data_end;
    struct cursor c = { .pos = (void *)(long)ctx->data };
    struct ethhdr *eth;
    if (parse_ethhdr(&c, data_end, &eth) != bpf_htons(ETH_P_IPV6))
        return XDP_PASS;
    struct ipv6hdr *ip6h;
    if (parse_ip6hdr(&c, data_end, &ip6h) != IPPROTO_ICMPV6)
        return XDP_PASS;
    struct icmp_hdr *icmp = c.pos;
    if ((void *)(icmp + 1) > data_end)
        return XDP_PASS;
    if (icmp->type != 128)
        return XDP_PASS;
    unsigned char mac[ETH_ALEN];
    __builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
    __builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
    __builtin_memcpy(eth->h_source, mac, ETH_ALEN);
    struct in6_addr addr = ip6h->saddr;
    ip6h->saddr = ip6h->daddr;
    ip6h->daddr = addr;
    ip6h->hop_limit = 64;
    __u16 old = *(__u16 *)icmp;
    icmp->type = 129;
    icmp->checksum = csum_replace2(icmp->checksum, old, *(__u16 *)icmp);
    return XDP_TX;
}

LICENSE;
