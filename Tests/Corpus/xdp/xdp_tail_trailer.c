/* Grows IPv4 frames by 8 bytes with bpf_xdp_adjust_tail and writes a trailer (a magic word and
 * the IP total length, big-endian) right after the IP datagram, at 14 + tot_len (masked to
 * 11 bits and checked against data_end, the bounded form the kernel's verifier accepts:
 * data_end - data would be 32-bit arithmetic on packet pointers after clang's truncation).
 * Other frames pass unchanged. */
#include "parse.h"

SEC("xdp")
int xdp_tail_trailer(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > data_end)
        return XDP_PASS;
    if (eth->h_proto != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    if (bpf_xdp_adjust_tail(ctx, 8))
        return XDP_ABORTED;
    data = (void *)(long)ctx->data;
    data_end = (void *)(long)ctx->data_end;
    struct iphdr *iph = data + sizeof(struct ethhdr);
    if ((void *)(iph + 1) > data_end)
        return XDP_ABORTED;
    __u64 length = bpf_ntohs(iph->tot_len) & 0x7ff;
    __u32 *trailer = (void *)iph + length;
    if ((void *)(trailer + 2) > data_end)
        return XDP_DROP;
    trailer[0] = bpf_htonl(0x5eb9f00d);
    trailer[1] = bpf_htonl(length);
    return XDP_TX;
}

LICENSE;
