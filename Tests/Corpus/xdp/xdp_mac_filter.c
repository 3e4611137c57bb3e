/* Drops frames whose source MAC is multicast or broadcast (never valid), and broadcast frames
 * that are not ARP; passes the rest. */
#include "xdp_helpers.h"

SEC("xdp")
int xdp_mac_filter(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > data_end)
        return XDP_DROP;
    if (eth->h_source[0] & 1)
        return XDP_DROP;
    int broadcast = 1;
#pragma unroll
    for (int i = 0; i < ETH_ALEN; i++)
        broadcast &= eth->h_dest[i] == 0xff;
    if (broadcast && eth->h_proto != bpf_htons(ETH_P_ARP))
        return XDP_DROP;
    return XDP_PASS;
}

LICENSE;
