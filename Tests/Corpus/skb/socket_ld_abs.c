/* A socket filter written the classic way, with the legacy packet loads (BPF_LD_ABS and
 * BPF_LD_IND, from clang's llvm.bpf.load.* intrinsics): offsets from the network header, values
 * in network order. Keeps IPv4 TCP and UDP to ports below 1024 whole, the first 96 bytes of
 * other IPv4 traffic from addresses above 128.0.0.0 (a 32-bit load with the high bit set), and
 * drops the rest; a load past the packet's end ends the program with 0, as in the kernel.
 * Written for swift-ebpf. */
#include "skb_helpers.h"

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

SEC("socket")
int socket_ld_abs(struct __sk_buff *skb)
{
    if (skb->protocol != bpf_htons(ETH_P_IP))
        return 0;
    __u32 ihl = (load_byte(skb, 0) & 0x0f) * 4;
    __u32 proto = load_byte(skb, 9);
    __u32 source = load_word(skb, 12);
    if (load_half(skb, 6) & 0x3fff)
        return source >= 0x80000000 ? 96 : 0;
    if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
        __u32 port = load_half(skb, ihl + 2);
        if (port < 1024)
            return skb->len;
    }
    return source >= 0x80000000 ? 96 : 0;
}

LICENSE;
