/* Cuts frames longer than 128 bytes down to 128 with bpf_xdp_adjust_tail, and pads frames
 * shorter than 60 bytes (the Ethernet minimum without FCS) with zeros up to 60. */
#include "xdp_helpers.h"

SEC("xdp")
int xdp_trim_tail(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    long length = data_end - data;
    if (length > 128) {
        if (bpf_xdp_adjust_tail(ctx, (int)(128 - length)))
            return XDP_ABORTED;
        return XDP_TX;
    }
    if (length < 60) {
        if (bpf_xdp_adjust_tail(ctx, (int)(60 - length)))
            return XDP_ABORTED;
        return XDP_TX;
    }
    return XDP_PASS;
}

LICENSE;
