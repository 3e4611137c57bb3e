/* Reflects UDP datagrams to the echo port (7) over IPv4: swaps MAC addresses, IP addresses and
 * ports (the checksums stay valid: the sums do not change), XDP_TX. */
#include "parse.h"

SEC("xdp")
int xdp_udp_echo(struct xdp_md *ctx)
{
    void *data_end = (void *)(long)ctx->data_end;
    struct cursor c = { .pos = (void *)(long)ctx->data };
    struct ethhdr *eth;
    if (parse_ethhdr(&c, data_end, &eth) != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    struct iphdr *iph;
    if (parse_iphdr(&c, data_end, &iph) != IPPROTO_UDP)
        return XDP_PASS;
    struct udphdr *udp;
    if (parse_udphdr(&c, data_end, &udp) < -8)
        return XDP_PASS;
    if ((void *)(udp + 1) > data_end)
        return XDP_PASS;
    if (udp->dest != bpf_htons(7) && udp->dest != bpf_htons(53))
        return XDP_PASS;
    unsigned char mac[ETH_ALEN];
    __builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
    __builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
    __builtin_memcpy(eth->h_source, mac, ETH_ALEN);
    __u32 addr = iph->saddr;
    iph->saddr = iph->daddr;
    iph->daddr = addr;
    __u16 port = udp->source;
    udp->source = udp->dest;
    udp->dest = port;
    return XDP_TX;
}

LICENSE;
