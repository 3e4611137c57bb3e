/* Lets through at most 5 UDP packets per destination port (IPv4), dropping the rest: a hash
 * map of port → packets seen, updated in place; a second map counts the drops. */
#include "parse.h"

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u16);
    __type(value, __u32);
    __uint(max_entries, 1024);
} seen SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 1);
} drops SEC(".maps");

SEC("xdp")
int xdp_rate_guard(struct xdp_md *ctx)
{
    void *data_end = (void *)(long)ctx->data_end;
    struct cursor c = { .pos = (void *)(long)ctx->data };
    struct ethhdr *eth;
    if (parse_ethhdr(&c, data_end, &eth) != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    struct iphdr *iph;
    if (parse_iphdr(&c, data_end, &iph) != IPPROTO_UDP)
        return XDP_PASS;
    struct udphdr *udp = c.pos;
    if ((void *)(udp + 1) > data_end)
        return XDP_PASS;
    __u16 port = bpf_ntohs(udp->dest);
    __u32 *count = bpf_map_lookup_elem(&seen, &port);
    if (!count) {
        __u32 one = 1;
        bpf_map_update_elem(&seen, &port, &one, BPF_ANY);
        return XDP_PASS;
    }
    if (*count >= 5) {
        __u32 zero = 0;
        __u64 *dropped = bpf_map_lookup_elem(&drops, &zero);
        if (dropped)
            *dropped += 1;
        return XDP_DROP;
    }
    *count += 1;
    return XDP_PASS;
}

LICENSE;
