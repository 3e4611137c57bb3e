/* Keeps per-flow counters in an LRU per-CPU hash map, as connection-tracking programs do: the
 * key is the IP protocol and the destination port's top four bits (a coarse flow class), the
 * value packets and bytes, each CPU adding to its own slot; the map is large enough that no
 * flow is evicted on the test capture (the kernel's LRU evicts in an order of its own).
 * Drops UDP frames over 80 bytes. Written for swift-ebpf. */
#include "parse.h"

struct flow {
    __u8 protocol;
    __u8 port_class;
    __u16 family;
};

struct totals {
    __u64 packets;
    __u64 bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
    __type(key, struct flow);
    __type(value, struct totals);
    __uint(max_entries, 512);
} flows SEC(".maps");

SEC("xdp")
int xdp_lru_flows(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct cursor c = { .pos = data };
    struct ethhdr *eth;
    int proto = parse_ethhdr(&c, data_end, &eth);
    int l4;
    if (proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *iph;
        l4 = parse_iphdr(&c, data_end, &iph);
    } else if (proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6h;
        l4 = parse_ip6hdr(&c, data_end, &ip6h);
    } else {
        return XDP_PASS;
    }
    if (l4 < 0)
        return XDP_PASS;
    struct flow key = { .protocol = l4, .port_class = 0, .family = proto };
    if (l4 == IPPROTO_TCP || l4 == IPPROTO_UDP) {
        __u16 *ports = c.pos;
        if ((void *)(ports + 2) > data_end)
            return XDP_PASS;
        key.port_class = bpf_ntohs(ports[1]) >> 12;
    }
    __u64 length = data_end - data;
    struct totals *totals = bpf_map_lookup_elem(&flows, &key);
    if (!totals) {
        struct totals first = { .packets = 1, .bytes = length };
        bpf_map_update_elem(&flows, &key, &first, BPF_ANY);
    } else {
        totals->packets += 1;
        totals->bytes += length;
    }
    return l4 == IPPROTO_UDP && length > 80 ? XDP_DROP : XDP_PASS;
}

LICENSE;
