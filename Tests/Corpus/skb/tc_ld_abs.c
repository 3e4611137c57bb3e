/* A tc classifier using the legacy packet loads (BPF_LD_ABS and BPF_LD_IND) from the Ethernet
 * header: drops IPv4 packets whose destination port, found through the IP header length
 * (LD_IND), is 23, or whose source address word read through an index past the IP header has
 * the high bit set and a TTL below 64; marks the rest with the protocol. Written for swift-ebpf. */
#include "skb_helpers.h"

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

SEC("tc")
int tc_ld_abs(struct __sk_buff *skb)
{
    if (load_half(skb, 12) != ETH_P_IP)
        return TC_ACT_OK;
    __u32 ihl = (load_byte(skb, 14) & 0x0f) * 4;
    __u32 ttl = load_byte(skb, 22);
    __u32 proto = load_byte(skb, 23);
    skb->mark = proto << 8 | ttl;
    if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP) && load_half(skb, 14 + ihl + 2) == 23)
        return TC_ACT_SHOT;
    __u32 word = load_word(skb, ihl + 12 - 20 + 14);
    skb->cb[0] = word;
    if (word >= 0x80000000 && ttl < 64)
        return TC_ACT_SHOT;
    return TC_ACT_OK;
}

LICENSE;
