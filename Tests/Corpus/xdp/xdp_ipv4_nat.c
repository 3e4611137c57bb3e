/* Rewrites the destination of IPv4 packets to 10.0.0.1 to 192.168.7.1 and decrements the TTL,
 * updating the IP checksum incrementally (RFC 1624) and the TCP or UDP checksum for the
 * address change; drops packets whose TTL would reach 0. */
#include "parse.h"

SEC("xdp")
int xdp_ipv4_nat(struct xdp_md *ctx)
{
    void *data_end = (void *)(long)ctx->data_end;
    struct cursor c = { .pos = (void *)(long)ctx->data };
    struct ethhdr *eth;
    if (parse_ethhdr(&c, data_end, &eth) != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    struct iphdr *iph;
    int l4 = parse_iphdr(&c, data_end, &iph);
    if (l4 < 0)
        return XDP_PASS;
    if (iph->daddr != bpf_htonl(0x0a000001))
        return XDP_PASS;
    if (iph->ttl <= 1)
        return XDP_DROP;

    __u16 old_ttl_word = *(__u16 *)&iph->ttl;
    iph->ttl--;
    __u16 new_ttl_word = *(__u16 *)&iph->ttl;
    __u16 check = csum_replace2(iph->check, old_ttl_word, new_ttl_word);

    __u32 old_addr = iph->daddr;
    __u32 new_addr = bpf_htonl(0xc0a80701);
    check = csum_replace2(check, old_addr & 0xffff, new_addr & 0xffff);
    check = csum_replace2(check, old_addr >> 16, new_addr >> 16);
    iph->check = check;
    iph->daddr = new_addr;

    __sum16 *l4check = 0;
    if (l4 == IPPROTO_TCP) {
        struct tcphdr *tcp = c.pos;
        if ((void *)(tcp + 1) <= data_end)
            l4check = &tcp->check;
    } else if (l4 == IPPROTO_UDP) {
        struct udphdr *udp = c.pos;
        if ((void *)(udp + 1) <= data_end && udp->check)
            l4check = &udp->check;
    }
    if (l4check) {
        __u16 sum = csum_replace2(*l4check, old_addr & 0xffff, new_addr & 0xffff);
        *l4check = csum_replace2(sum, old_addr >> 16, new_addr >> 16);
    }
    return XDP_TX;
}

LICENSE;
