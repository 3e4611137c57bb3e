/* What the socket-filter and tc corpus adds to ../xdp/xdp_helpers.h. Written for swift-ebpf. */
#ifndef SKB_HELPERS_H
#define SKB_HELPERS_H

#include "parse.h"

static long (*bpf_skb_load_bytes)(const struct __sk_buff *skb, __u32 offset, void *to, __u32 len) = (void *) BPF_FUNC_skb_load_bytes;

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

#endif
