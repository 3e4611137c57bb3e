/* Swaps the Ethernet source and destination addresses and sends the frame back out (XDP_TX);
 * drops frames too short for an Ethernet header. */
#include "xdp_helpers.h"

SEC("xdp")
int xdp_reflect(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > data_end)
        return XDP_DROP;
    unsigned char tmp[ETH_ALEN];
    __builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
    __builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
    __builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
    return XDP_TX;
}

LICENSE;
