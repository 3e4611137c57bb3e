/* Load-balancer style steering through XDP redirect maps: TCP to one of four egress ports of a
 * devmap by destination port (empty slots fall back to XDP_PASS), UDP to one of two CPUs of a
 * cpumap by source port (fallback XDP_DROP), ICMP to an AF_XDP socket slot of an xskmap
 * (fallback XDP_PASS), ARP broadcast to every devmap port except the ingress one; IPv6 asks
 * for a flag redirect maps refuse (XDP_ABORTED). */
#include "parse.h"

struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP);
    __type(key, __u32);
    __type(value, __u32);
    __uint(max_entries, 4);
} tx_ports SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_CPUMAP);
    __type(key, __u32);
    __type(value, __u32);
    __uint(max_entries, 2);
} cpus SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_XSKMAP);
    __type(key, __u32);
    __type(value, __u32);
    __uint(max_entries, 4);
} xsks SEC(".maps");

SEC("xdp")
int xdp_redirect_map(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct cursor c = { .pos = data };
    struct ethhdr *eth;
    int proto = parse_ethhdr(&c, data_end, &eth);
    if (proto == bpf_htons(ETH_P_ARP))
        return bpf_redirect_map(&tx_ports, 0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
    if (proto == bpf_htons(ETH_P_IPV6))
        return bpf_redirect_map(&tx_ports, 0, 4);
    if (proto != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    struct iphdr *iph;
    int l4 = parse_iphdr(&c, data_end, &iph);
    if (l4 == IPPROTO_ICMP)
        return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
    if (l4 == IPPROTO_TCP) {
        struct tcphdr *tcp = c.pos;
        if ((void *)(tcp + 1) > data_end)
            return XDP_PASS;
        return bpf_redirect_map(&tx_ports, bpf_ntohs(tcp->dest) & 3, XDP_PASS);
    }
    if (l4 == IPPROTO_UDP) {
        struct udphdr *udp = c.pos;
        if ((void *)(udp + 1) > data_end)
            return XDP_PASS;
        return bpf_redirect_map(&cpus, bpf_ntohs(udp->source) & 1, XDP_DROP);
    }
    return XDP_PASS;
}

LICENSE;
