/* A tc classifier that writes the packet: sets the IPv4 TTL to 32 (header checksum updated
 * incrementally) and the IPv6 hop limit to 32; returns the context's length and packet type
 * folded together so that they are compared too. */
#include "skb_helpers.h"

SEC("tc")
int tc_ttl_rewrite(struct __sk_buff *skb)
{
    void *data_end = (void *)(long)skb->data_end;
    struct cursor c = { .pos = (void *)(long)skb->data };
    struct ethhdr *eth;
    int proto = parse_ethhdr(&c, data_end, &eth);
    if (proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *iph;
        if (parse_iphdr(&c, data_end, &iph) >= 0) {
            __u16 old = *(__u16 *)&iph->ttl;
            iph->ttl = 32;
            iph->check = csum_replace2(iph->check, old, *(__u16 *)&iph->ttl);
        }
    } else if (proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6h;
        if (parse_ip6hdr(&c, data_end, &ip6h) >= 0)
            ip6h->hop_limit = 32;
    }
    return (skb->len << 8) | (skb->pkt_type << 4) | (skb->protocol & 0xf);
}

LICENSE;
