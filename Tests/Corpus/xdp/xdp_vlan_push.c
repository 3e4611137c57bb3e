/* Tags untagged frames with VLAN 100: grows the head by 4 bytes with bpf_xdp_adjust_head,
 * moves the MAC addresses to the new start and writes the tag after them. */
#include "xdp_helpers.h"

SEC("xdp")
int xdp_vlan_push(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > data_end)
        return XDP_PASS;
    if (eth->h_proto == bpf_htons(ETH_P_8021Q) || eth->h_proto == bpf_htons(ETH_P_8021AD))
        return XDP_PASS;
    struct ethhdr copy;
    __builtin_memcpy(&copy, eth, sizeof(copy));
    if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct vlan_hdr)))
        return XDP_ABORTED;
    data = (void *)(long)ctx->data;
    data_end = (void *)(long)ctx->data_end;
    eth = data;
    struct vlan_hdr *vlan = (void *)(eth + 1);
    if ((void *)(vlan + 1) > data_end)
        return XDP_ABORTED;
    __builtin_memcpy(eth->h_dest, copy.h_dest, ETH_ALEN);
    __builtin_memcpy(eth->h_source, copy.h_source, ETH_ALEN);
    eth->h_proto = bpf_htons(ETH_P_8021Q);
    vlan->h_vlan_TCI = bpf_htons(100);
    vlan->h_vlan_encapsulated_proto = copy.h_proto;
    return XDP_TX;
}

LICENSE;
