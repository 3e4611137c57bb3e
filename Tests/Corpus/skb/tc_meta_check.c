/* A tc classifier that looks for metadata an XDP program left before the packet
 * (skb->data_meta, checked against skb->data): with 4 bytes of it, a drop mark there decides;
 * without (as in the kernel's test run, where a socket buffer has none), it falls back to the
 * packet, dropping IPv4 fragments. Written for swift-ebpf. */
#include "skb_helpers.h"

SEC("tc")
int tc_meta_check(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data;
    void *data_end = (void *)(long)skb->data_end;
    __u32 *meta = (void *)(long)skb->data_meta;
    if ((void *)(meta + 1) <= data) {
        skb->mark = *meta;
        return *meta == 0xdead ? TC_ACT_SHOT : TC_ACT_OK;
    }
    struct ethhdr *eth = data;
    struct iphdr *iph = (void *)(eth + 1);
    if ((void *)(iph + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
        return TC_ACT_OK;
    skb->mark = 1;
    return iph->frag_off & bpf_htons(0x3fff) ? TC_ACT_SHOT : TC_ACT_OK;
}

LICENSE;
