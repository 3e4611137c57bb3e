/* A learning firewall on an LPM trie, as production filters match prefixes: an IPv4 packet
 * whose source matches no stored prefix inserts its /24 (count 1) and, if new, its /16 (count
 * 0); a packet whose source matches counts on the longest matching prefix (the /24 before the
 * /16) and is dropped once that count passes 4. Sources in 10.0.0.0/8 are never counted: a /8
 * entry added first, with a value of 0xffffffff, lets them through. */
#include "parse.h"

struct lpm_key {
    __u32 prefixlen;
    __u32 addr;
};

struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __type(key, struct lpm_key);
    __type(value, __u32);
    __uint(max_entries, 512);
    __uint(map_flags, BPF_F_NO_PREALLOC);
} prefixes SEC(".maps");

SEC("xdp")
int xdp_lpm_guard(struct xdp_md *ctx)
{
    void *data_end = (void *)(long)ctx->data_end;
    struct cursor c = { .pos = (void *)(long)ctx->data };
    struct ethhdr *eth;
    if (parse_ethhdr(&c, data_end, &eth) != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    struct iphdr *iph;
    if (parse_iphdr(&c, data_end, &iph) < 0)
        return XDP_PASS;
    struct lpm_key trusted = { .prefixlen = 8, .addr = bpf_htonl(0x0a000000) };
    __u32 always = 0xffffffff;
    bpf_map_update_elem(&prefixes, &trusted, &always, BPF_NOEXIST);

    struct lpm_key key = { .prefixlen = 32, .addr = iph->saddr };
    __u32 *count = bpf_map_lookup_elem(&prefixes, &key);
    if (count && *count == 0xffffffff)
        return XDP_PASS;
    if (count) {
        *count += 1;
        return *count > 4 ? XDP_DROP : XDP_PASS;
    }
    struct lpm_key net24 = { .prefixlen = 24, .addr = iph->saddr };
    struct lpm_key net16 = { .prefixlen = 16, .addr = iph->saddr };
    __u32 one = 1, zero = 0;
    bpf_map_update_elem(&prefixes, &net24, &one, BPF_ANY);
    bpf_map_update_elem(&prefixes, &net16, &zero, BPF_NOEXIST);
    return XDP_PASS;
}

LICENSE;
