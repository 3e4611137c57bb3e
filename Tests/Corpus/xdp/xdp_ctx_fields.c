/* Reads the context's interface and queue numbers: passes packets from interface 1, queue 0
 * (what the kernel's test run gives), drops the rest. Also reads data_end - data. */
#include "xdp_helpers.h"

SEC("xdp")
int xdp_ctx_fields(struct xdp_md *ctx)
{
    __u32 ifindex = ctx->ingress_ifindex;
    __u32 queue = ctx->rx_queue_index;
    long length = (long)ctx->data_end - (long)ctx->data;
    if (ifindex != 1 || queue != 0)
        return XDP_DROP;
    return length > 1000 ? XDP_TX : XDP_PASS;
}

LICENSE;
