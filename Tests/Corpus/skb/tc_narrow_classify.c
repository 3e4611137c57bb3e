/* A tc classifier that tests the EtherType and packet type through narrow context loads, as clang
 * emits them for byte and half-word casts of skb->protocol and skb->pkt_type, and the low byte of
 * skb->len; it then reads the IPv4 or IPv6 header directly and drops packets of broadcast
 * frames with a TTL or hop limit below the length's low bits. Writes mark and cb[] in pieces.
 * Written for swift-ebpf. */
#include "skb_helpers.h"

SEC("tc")
int tc_narrow_classify(struct __sk_buff *skb)
{
    void *data_end = (void *)(long)skb->data_end;
    void *data = (void *)(long)skb->data;
    __u16 proto = *(volatile __u16 *)&skb->protocol;
    __u8 type = *(volatile __u8 *)&skb->pkt_type;
    __u8 len_low = *(volatile __u8 *)&skb->len;
    __u8 tc_index_high = ((volatile __u8 *)&skb->tc_index)[3];
    __u16 classid_low = *(volatile __u16 *)&skb->tc_classid;
    ((volatile __u8 *)skb->cb)[5] = type;
    ((volatile __u16 *)skb->cb)[5] = proto;
    __u8 limit = (len_low & 7) + tc_index_high + classid_low;
    __u8 ttl;
    if (proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *iph = data + sizeof(struct ethhdr);
        if ((void *)(iph + 1) > data_end)
            return TC_ACT_OK;
        ttl = iph->ttl;
    } else if (proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6h = data + sizeof(struct ethhdr);
        if ((void *)(ip6h + 1) > data_end)
            return TC_ACT_OK;
        ttl = ip6h->hop_limit;
    } else {
        return type == 2 ? TC_ACT_SHOT : TC_ACT_OK;
    }
    skb->mark = ((volatile __u8 *)skb->cb)[5] * 256 + ttl;
    if (type == 2 && ttl < limit)
        return TC_ACT_SHOT;
    return ttl == 0 ? TC_ACT_SHOT : TC_ACT_OK;
}

LICENSE;
