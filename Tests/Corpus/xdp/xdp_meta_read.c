/* Reads and updates metadata a driver or an earlier program left before the packet
 * (ctx->data_meta): 8 bytes of struct meta, checked against ctx->data as the kernel's verifier
 * wants. Without them the frame passes untouched; a drop flag drops it; otherwise the program
 * folds the EtherType into the mark, counts itself in the metadata's hop count, and reflects
 * frames whose mark matches a tag (MAC addresses swapped, XDP_TX). With 12 bytes of metadata
 * or more it also stores the frame's length in the third word. Written for swift-ebpf. */
#include "xdp_helpers.h"

struct meta {
    __u32 mark;
    __u16 hops;
    __u16 flags;
};

SEC("xdp")
int xdp_meta_read(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct meta *m = (void *)(long)ctx->data_meta;
    if ((void *)(m + 1) > data)
        return XDP_PASS;
    if (m->flags & 1)
        return XDP_DROP;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > data_end)
        return XDP_ABORTED;
    m->mark ^= eth->h_proto;
    m->hops += 1;
    __u32 *extra = (__u32 *)(m + 1);
    if ((void *)(extra + 1) <= data)
        *extra = (__u32)(data_end - data);
    if ((m->mark & 0xff) == 0x2a) {
        __u8 tmp[6];
        __builtin_memcpy(tmp, eth->h_source, 6);
        __builtin_memcpy(eth->h_source, eth->h_dest, 6);
        __builtin_memcpy(eth->h_dest, tmp, 6);
        return XDP_TX;
    }
    return XDP_PASS;
}

LICENSE;
