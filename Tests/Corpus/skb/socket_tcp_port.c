/* A socket filter in the classic style, with bpf_skb_load_bytes: keeps the first 96 bytes of
 * IPv4 TCP segments to or from port 80 or 443 (the IP header length read from the packet),
 * drops the rest. */
#include "skb_helpers.h"

SEC("socket")
int socket_tcp_port(struct __sk_buff *skb)
{
    if (skb->protocol != bpf_htons(ETH_P_IP))
        return 0;
    struct iphdr ip;
    if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) < 0)
        return 0;
    if (ip.protocol != IPPROTO_TCP || (ip.frag_off & bpf_htons(0x1fff)))
        return 0;
    __u16 ports[2];
    if (bpf_skb_load_bytes(skb, ip.ihl * 4, ports, sizeof(ports)) < 0)
        return 0;
    __u16 source = bpf_ntohs(ports[0]), destination = bpf_ntohs(ports[1]);
    if (source == 80 || destination == 80 || source == 443 || destination == 443)
        return 96;
    return 0;
}

LICENSE;
