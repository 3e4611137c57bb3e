/* Counts packets per IP protocol in a per-CPU array and packets and bytes per EtherType in a
 * per-CPU hash map, as monitoring programs do: each CPU updates its own slot with plain adds
 * (no atomics), user space sums the CPUs. Passes everything. */
#include "parse.h"

struct totals {
    __u64 packets;
    __u64 bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 256);
} per_protocol SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __type(key, __u32);
    __type(value, struct totals);
    __uint(max_entries, 64);
} per_ethertype SEC(".maps");

SEC("xdp")
int xdp_percpu_count(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct cursor c = { .pos = data };
    struct ethhdr *eth;
    int proto = parse_ethhdr(&c, data_end, &eth);
    __u64 length = data_end - data;
    __u32 type = bpf_ntohs(proto);
    struct totals *totals = bpf_map_lookup_elem(&per_ethertype, &type);
    if (totals) {
        totals->packets += 1;
        totals->bytes += length;
    } else {
        struct totals first = { .packets = 1, .bytes = length };
        bpf_map_update_elem(&per_ethertype, &type, &first, BPF_NOEXIST);
    }
    int l4 = -1;
    if (proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *iph;
        l4 = parse_iphdr(&c, data_end, &iph);
    } else if (proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6h;
        l4 = parse_ip6hdr(&c, data_end, &ip6h);
    }
    if (l4 < 0)
        return XDP_PASS;
    __u32 key = l4 & 0xff;
    __u64 *count = bpf_map_lookup_elem(&per_protocol, &key);
    if (count)
        *count += 1;
    return XDP_PASS;
}

LICENSE;
