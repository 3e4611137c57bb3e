/* Walks the IPv6 extension-header chain (hop-by-hop, routing, fragment, destination options;
 * at most 8 headers) with a bpf_loop callback that advances an offset kept in the caller's
 * stack, then counts frames by the final next-header value in a hash map and drops TCP to
 * port 22 behind any number of extension headers. IPv4 and other frames pass. */
#include "parse.h"

struct chain {
    void *data;
    void *data_end;
    __u32 offset;
    __u32 nexthdr;
    __u32 headers;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 64);
} next_headers SEC(".maps");

static long next_header(__u32 index, void *raw)
{
    struct chain *chain = raw;
    __u32 nexthdr = chain->nexthdr;
    if (nexthdr != 0 && nexthdr != 43 && nexthdr != 44 && nexthdr != 60)
        return 1;
    __u32 offset = chain->offset & 0x1ff;
    __u8 *header = chain->data + offset;
    if ((void *)(header + 2) > chain->data_end)
        return 1;
    __u32 length = nexthdr == 44 ? 8 : ((__u32)header[1] + 1) * 8;
    chain->nexthdr = header[0];
    chain->offset = offset + length;
    chain->headers += 1;
    return 0;
}

SEC("xdp")
int xdp_loop_ext_headers(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > data_end)
        return XDP_PASS;
    if (eth->h_proto != bpf_htons(ETH_P_IPV6))
        return XDP_PASS;
    struct ipv6hdr *ip6 = (void *)(eth + 1);
    if ((void *)(ip6 + 1) > data_end)
        return XDP_PASS;
    struct chain chain = {
        .data = data, .data_end = data_end, .offset = sizeof(*eth) + sizeof(*ip6), .nexthdr = ip6->nexthdr,
    };
    bpf_loop(8, next_header, &chain, 0);
    __u32 key = chain.nexthdr | chain.headers << 8;
    __u64 one = 1;
    __u64 *count = bpf_map_lookup_elem(&next_headers, &key);
    if (count)
        __sync_fetch_and_add(count, 1);
    else
        bpf_map_update_elem(&next_headers, &key, &one, BPF_NOEXIST);
    if (chain.nexthdr == IPPROTO_TCP) {
        struct tcphdr *tcp = data + (chain.offset & 0x1ff);
        if ((void *)(tcp + 1) > data_end)
            return XDP_PASS;
        if (tcp->dest == bpf_htons(22))
            return XDP_DROP;
    }
    return XDP_PASS;
}

LICENSE;
