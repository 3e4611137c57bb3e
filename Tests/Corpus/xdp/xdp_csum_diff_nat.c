/* Rewrites the source address of IPv4 packets from 10.0.0.0/8 to 198.51.100.7 and recomputes
 * the IP header checksum from scratch with bpf_csum_diff over the 20-byte base header (options
 * excluded), as load balancers do; returns XDP_TX for rewritten packets. */
#include "parse.h"

SEC("xdp")
int xdp_csum_diff_nat(struct xdp_md *ctx)
{
    void *data_end = (void *)(long)ctx->data_end;
    struct cursor c = { .pos = (void *)(long)ctx->data };
    struct ethhdr *eth;
    if (parse_ethhdr(&c, data_end, &eth) != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    struct iphdr *iph;
    if (parse_iphdr(&c, data_end, &iph) < 0)
        return XDP_PASS;
    if ((iph->saddr & bpf_htonl(0xff000000)) != bpf_htonl(0x0a000000))
        return XDP_PASS;
    iph->saddr = bpf_htonl(0xc6336407);
    iph->check = 0;
    __s64 sum = bpf_csum_diff(0, 0, (__be32 *)iph, sizeof(struct iphdr), 0);
    if (sum < 0)
        return XDP_ABORTED;
    iph->check = csum_fold((__u32)sum);
    return XDP_TX;
}

LICENSE;
