/* Reserves 4 bytes of metadata with bpf_xdp_adjust_meta and passes the frame; the program
 * does not read the metadata (the verifier does not model data_meta yet), only the packet. */
#include "xdp_helpers.h"

SEC("xdp")
int xdp_meta_mark(struct xdp_md *ctx)
{
    if (bpf_xdp_adjust_meta(ctx, -4))
        return XDP_ABORTED;
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    if (data + 14 > data_end)
        return XDP_ABORTED;
    return ((__u8 *)data)[0] & 1 ? XDP_DROP : XDP_PASS;
}

LICENSE;
