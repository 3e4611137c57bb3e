/* A socket filter that reads the context's fields in pieces, as clang emits for bit tests, byte
 * casts and bitfields: one- and two-byte loads of protocol, pkt_type, len, ifindex, hash and
 * napi_id (the kernel's narrow context loads), and byte, half-word and double-word accesses to
 * cb[] (a bitfield record kept there). Keeps the whole packet for IPv4 and ARP, the first 64
 * bytes for IPv6, drops the rest. Written for swift-ebpf. */
#include "skb_helpers.h"

struct cb_record {
    __u8 kind : 3;
    __u8 multicast : 1;
    __u8 spare : 4;
    __u8 proto_low;
    __u16 len_low;
    __u64 pair;
};

SEC("socket")
int socket_narrow_fields(struct __sk_buff *skb)
{
    volatile __u8 *proto_bytes = (volatile __u8 *)&skb->protocol;
    volatile __u16 *len_halves = (volatile __u16 *)&skb->len;
    volatile __u8 *pkt_type_byte = (volatile __u8 *)&skb->pkt_type;
    volatile __u16 *ifindex_halves = (volatile __u16 *)&skb->ifindex;
    volatile __u8 *hash_bytes = (volatile __u8 *)&skb->hash;
    volatile __u8 *napi_bytes = (volatile __u8 *)&skb->napi_id;
    struct cb_record *record = (struct cb_record *)(void *)skb->cb;

    __u8 high = proto_bytes[0], low = proto_bytes[1];
    record->kind = pkt_type_byte[0];
    record->multicast = pkt_type_byte[0] == 2;
    record->proto_low = low;
    record->len_low = len_halves[0];
    record->pair = ((__u64)len_halves[1] << 48) | ((__u64)ifindex_halves[0] << 32) | ifindex_halves[1];

    __u32 fold = record->kind * 7 + record->multicast + hash_bytes[0] + hash_bytes[3] + napi_bytes[1] + proto_bytes[2];
    __u64 pair = record->pair;
    if ((pair >> 32) != 1 || (__u32)pair != 0 || fold > 30)
        return 0;
    if (high == 0x08 && (low == 0x00 || low == 0x06))
        return record->len_low + fold;
    if (high == 0x86 && low == 0xdd)
        return 64 + record->kind;
    return 0;
}

LICENSE;
