/* Header parsing shared by the XDP corpus, in the xdp-tutorial's style: a cursor that moves
 * over the packet, each step checked against data_end before it reads. Written for swift-ebpf. */
#ifndef XDP_PARSE_H
#define XDP_PARSE_H

#include "xdp_helpers.h"

struct cursor {
    void *pos;
};

#define VLAN_MAX_DEPTH 2

static __always_inline int is_vlan(__u16 proto)
{
    return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD);
}

/* Parses the Ethernet header and up to two VLAN tags; returns the inner EtherType (network
 * order) or -1 when the packet is too short. */
static __always_inline int parse_ethhdr(struct cursor *c, void *data_end, struct ethhdr **ethhdr)
{
    struct ethhdr *eth = c->pos;
    if ((void *)(eth + 1) > data_end)
        return -1;
    c->pos = eth + 1;
    *ethhdr = eth;
    __u16 proto = eth->h_proto;
#pragma unroll
    for (int i = 0; i < VLAN_MAX_DEPTH; i++) {
        if (!is_vlan(proto))
            break;
        struct vlan_hdr *vlan = c->pos;
        if ((void *)(vlan + 1) > data_end)
            return -1;
        proto = vlan->h_vlan_encapsulated_proto;
        c->pos = vlan + 1;
    }
    return proto;
}

/* Parses an IPv4 header with its options; returns the protocol or -1. */
static __always_inline int parse_iphdr(struct cursor *c, void *data_end, struct iphdr **iphdr)
{
    struct iphdr *iph = c->pos;
    if ((void *)(iph + 1) > data_end)
        return -1;
    int size = iph->ihl * 4;
    if (size < (int)sizeof(*iph))
        return -1;
    if (c->pos + size > data_end)
        return -1;
    c->pos += size;
    *iphdr = iph;
    return iph->protocol;
}

/* Parses an IPv6 header; returns the next header or -1. */
static __always_inline int parse_ip6hdr(struct cursor *c, void *data_end, struct ipv6hdr **ip6hdr)
{
    struct ipv6hdr *ip6h = c->pos;
    if ((void *)(ip6h + 1) > data_end)
        return -1;
    c->pos = ip6h + 1;
    *ip6hdr = ip6h;
    return ip6h->nexthdr;
}

/* Skips up to four IPv6 extension headers (hop-by-hop, routing, destination options,
 * fragment); returns the upper-layer protocol or -1. */
static __always_inline int skip_ip6hdrext(struct cursor *c, void *data_end, __u8 next)
{
#pragma unroll
    for (int i = 0; i < 4; i++) {
        __u8 *hdr = c->pos;
        if ((void *)(hdr + 2) > data_end)
            return -1;
        switch (next) {
        case IPPROTO_HOPOPTS:
        case IPPROTO_DSTOPTS:
        case IPPROTO_ROUTING:
            next = hdr[0];
            c->pos = hdr + (hdr[1] + 1) * 8;
            break;
        case IPPROTO_FRAGMENT:
            next = hdr[0];
            c->pos = hdr + 8;
            break;
        default:
            return next;
        }
    }
    return next;
}

static __always_inline int parse_udphdr(struct cursor *c, void *data_end, struct udphdr **udphdr)
{
    struct udphdr *h = c->pos;
    if ((void *)(h + 1) > data_end)
        return -1;
    c->pos = h + 1;
    *udphdr = h;
    return bpf_ntohs(h->len) - sizeof(*h);
}

static __always_inline int parse_tcphdr(struct cursor *c, void *data_end, struct tcphdr **tcphdr)
{
    struct tcphdr *h = c->pos;
    if ((void *)(h + 1) > data_end)
        return -1;
    int len = h->doff * 4;
    if (len < (int)sizeof(*h))
        return -1;
    if (c->pos + len > data_end)
        return -1;
    c->pos += len;
    *tcphdr = h;
    return len;
}

#endif
