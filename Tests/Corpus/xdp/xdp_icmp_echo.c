/* Answers ICMP echo requests over IPv4: swaps MAC and IP addresses, turns the request into a
 * reply with the ICMP checksum updated, and sends it back (XDP_TX). */
#include "parse.h"

SEC("xdp")
int xdp_icmp_echo(struct xdp_md *ctx)
{
    void *data_end = (void *)(long)ctx->data_end;
    struct cursor c = { .pos = (void *)(long)ctx->data };
    struct ethhdr *eth;
    if (parse_ethhdr(&c, data_end, &eth) != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    struct iphdr *iph;
    if (parse_iphdr(&c, data_end, &iph) != IPPROTO_ICMP)
        return XDP_PASS;
    struct icmp_hdr *icmp = c.pos;
    if ((void *)(icmp + 1) > data_end)
        return XDP_PASS;
    if (icmp->type != 8 || icmp->code != 0)
        return XDP_PASS;

    unsigned char mac[ETH_ALEN];
    __builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
    __builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
    __builtin_memcpy(eth->h_source, mac, ETH_ALEN);
    __u32 addr = iph->saddr;
    iph->saddr = iph->daddr;
    iph->daddr = addr;
    iph->ttl = 64;
    iph->check = 0;

    __u16 old = *(__u16 *)icmp;
    icmp->type = 0;
    icmp->checksum = csum_replace2(icmp->checksum, old, *(__u16 *)icmp);
    return XDP_TX;
}

LICENSE;
