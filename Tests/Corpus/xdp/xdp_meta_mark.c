/* Reserves 4 bytes of metadata with bpf_xdp_adjust_meta, checks them against ctx->data and
 * stores a mark there for a later program (the first byte of the destination MAC and the
 * frame's length), then passes the frame; drops multicast destinations. The kernel's verifier
 * refuses bpf_xdp_adjust_meta for an XDP program not bound to a device, so this one is run by
 * the engines only. */
#include "xdp_helpers.h"

SEC("xdp")
int xdp_meta_mark(struct xdp_md *ctx)
{
    if (bpf_xdp_adjust_meta(ctx, -4))
        return XDP_ABORTED;
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    __u32 *mark = (void *)(long)ctx->data_meta;
    if ((void *)(mark + 1) > data)
        return XDP_ABORTED;
    if (data + 14 > data_end)
        return XDP_ABORTED;
    *mark = ((__u8 *)data)[0] << 24 | (__u32)(data_end - data);
    return ((__u8 *)data)[0] & 1 ? XDP_DROP : XDP_PASS;
}

LICENSE;
