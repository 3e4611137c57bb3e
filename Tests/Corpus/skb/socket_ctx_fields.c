/* A socket filter that folds the context's fields into its result, so that a difference in any
 * of them (as the kernel's test run sets them) shows: len, pkt_type, protocol, ifindex, mark,
 * queue_mapping, priority, vlan fields, tc_index, cb[], hash, napi_id; and writes cb[0]. */
#include "skb_helpers.h"

SEC("socket")
int socket_ctx_fields(struct __sk_buff *skb)
{
    skb->cb[0] = skb->len;
    __u32 r = skb->len;
    r = r * 31 + skb->pkt_type;
    r = r * 31 + skb->protocol;
    r = r * 31 + skb->ifindex;
    r = r * 31 + skb->ingress_ifindex;
    r = r * 31 + skb->mark;
    r = r * 31 + skb->queue_mapping;
    r = r * 31 + skb->priority;
    r = r * 31 + skb->vlan_present + skb->vlan_tci + skb->vlan_proto;
    r = r * 31 + skb->tc_index;
    r = r * 31 + skb->cb[0] + skb->cb[1] + skb->cb[4];
    r = r * 31 + skb->hash;
    r = r * 31 + skb->napi_id;
    return r;
}

LICENSE;
