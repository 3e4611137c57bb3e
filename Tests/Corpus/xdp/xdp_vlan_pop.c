/* Removes the outer VLAN tag of tagged frames with bpf_xdp_adjust_head: the MAC addresses move
 * 4 bytes forward over the tag and the head follows them. Untagged frames pass unchanged. */
#include "xdp_helpers.h"

SEC("xdp")
int xdp_vlan_pop(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > data_end)
        return XDP_PASS;
    if (eth->h_proto != bpf_htons(ETH_P_8021Q) && eth->h_proto != bpf_htons(ETH_P_8021AD))
        return XDP_PASS;
    struct vlan_hdr *vlan = (void *)(eth + 1);
    if ((void *)(vlan + 1) > data_end)
        return XDP_DROP;
    struct ethhdr copy;
    __builtin_memcpy(&copy, eth, sizeof(copy));
    copy.h_proto = vlan->h_vlan_encapsulated_proto;
    if (bpf_xdp_adjust_head(ctx, (int)sizeof(struct vlan_hdr)))
        return XDP_ABORTED;
    data = (void *)(long)ctx->data;
    data_end = (void *)(long)ctx->data_end;
    eth = data;
    if ((void *)(eth + 1) > data_end)
        return XDP_ABORTED;
    __builtin_memcpy(eth, &copy, sizeof(copy));
    return XDP_PASS;
}

LICENSE;
