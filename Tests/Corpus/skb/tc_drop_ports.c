/* A tc classifier with direct packet access: drops (TC_ACT_SHOT) TCP and UDP packets to ports
 * 22, 23 and 53 over IPv4 or IPv6 behind up to two VLAN tags, lets the rest through
 * (TC_ACT_OK), marking TCP packets in skb->mark. */
#include "skb_helpers.h"

SEC("tc")
int tc_drop_ports(struct __sk_buff *skb)
{
    void *data_end = (void *)(long)skb->data_end;
    struct cursor c = { .pos = (void *)(long)skb->data };
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
        return TC_ACT_OK;
    }
    if (l4 != IPPROTO_TCP && l4 != IPPROTO_UDP)
        return TC_ACT_OK;
    __u16 *ports = c.pos;
    if ((void *)(ports + 2) > data_end)
        return TC_ACT_OK;
    if (l4 == IPPROTO_TCP)
        skb->mark = 6;
    __u16 port = bpf_ntohs(ports[1]);
    return port == 22 || port == 23 || port == 53 ? TC_ACT_SHOT : TC_ACT_OK;
}

LICENSE;
