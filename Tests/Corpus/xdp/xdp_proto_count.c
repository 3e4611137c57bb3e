/* Counts packets and bytes per IP protocol (IPv4 and IPv6, behind VLAN tags) in a hash map, and
 * frames per EtherType class in an array map; passes everything. Counters are updated with
 * atomic adds, new protocols inserted with BPF_NOEXIST. */
#include "parse.h"

struct counters {
    __u64 packets;
    __u64 bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32);
    __type(value, struct counters);
    __uint(max_entries, 256);
} protocols SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 4);
} classes SEC(".maps");

SEC("xdp")
int xdp_proto_count(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct cursor c = { .pos = data };
    struct ethhdr *eth;
    int proto = parse_ethhdr(&c, data_end, &eth);
    __u32 class = 3;
    int l4 = -1;
    if (proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *iph;
        class = 0;
        l4 = parse_iphdr(&c, data_end, &iph);
    } else if (proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6h;
        class = 1;
        l4 = parse_ip6hdr(&c, data_end, &ip6h);
    } else if (proto == bpf_htons(ETH_P_ARP)) {
        class = 2;
    }
    __u64 *frames = bpf_map_lookup_elem(&classes, &class);
    if (frames)
        __sync_fetch_and_add(frames, 1);
    if (l4 < 0)
        return XDP_PASS;
    __u32 key = l4;
    __u64 length = data_end - data;
    struct counters *counters = bpf_map_lookup_elem(&protocols, &key);
    if (counters) {
        __sync_fetch_and_add(&counters->packets, 1);
        __sync_fetch_and_add(&counters->bytes, length);
    } else {
        struct counters first = { .packets = 1, .bytes = length };
        bpf_map_update_elem(&protocols, &key, &first, BPF_NOEXIST);
    }
    return XDP_PASS;
}

LICENSE;
