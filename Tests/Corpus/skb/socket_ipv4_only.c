/* A socket filter that keeps IPv4 packets whole and drops everything else (returns the number
 * of bytes to keep: skb->len or 0). */
#include "skb_helpers.h"

SEC("socket")
int socket_ipv4_only(struct __sk_buff *skb)
{
    return skb->protocol == bpf_htons(ETH_P_IP) ? skb->len : 0;
}

LICENSE;
