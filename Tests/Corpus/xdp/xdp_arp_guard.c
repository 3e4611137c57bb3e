/* Inspects ARP over Ethernet/IPv4: drops gratuitous ARP (sender address = target address),
 * replies whose sender is in 10.0.0.0/24, and malformed ARP headers; passes the rest. */
#include "xdp_helpers.h"

struct arp_ipv4 {
    __be16 htype;
    __be16 ptype;
    __u8 hlen;
    __u8 plen;
    __be16 op;
    __u8 sha[ETH_ALEN];
    __u8 spa[4];
    __u8 tha[ETH_ALEN];
    __u8 tpa[4];
} __attribute__((packed));

SEC("xdp")
int xdp_arp_guard(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > data_end)
        return XDP_PASS;
    if (eth->h_proto != bpf_htons(ETH_P_ARP))
        return XDP_PASS;
    struct arp_ipv4 *arp = (void *)(eth + 1);
    if ((void *)(arp + 1) > data_end)
        return XDP_DROP;
    if (arp->htype != bpf_htons(1) || arp->ptype != bpf_htons(ETH_P_IP) || arp->hlen != 6 || arp->plen != 4)
        return XDP_DROP;
    if (arp->spa[0] == arp->tpa[0] && arp->spa[1] == arp->tpa[1] && arp->spa[2] == arp->tpa[2] && arp->spa[3] == arp->tpa[3])
        return XDP_DROP;
    if (arp->op == bpf_htons(2) && arp->spa[0] == 10 && arp->spa[1] == 0 && arp->spa[2] == 0)
        return XDP_DROP;
    return XDP_PASS;
}

LICENSE;
