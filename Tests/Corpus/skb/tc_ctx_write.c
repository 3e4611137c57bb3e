/* A tc classifier that writes every writable field of the context from the packet and reads them
 * back: mark and priority (32 bits), tc_index, tc_classid and queue_mapping (which the kernel keeps
 * in 16 bits, so the upper half of a store is lost), and cb[] as words and bytes. Drops frames whose
 * fields add up to a multiple of 7, and keeps that sum in cb[2] (which the kernel's test run reports). Written for swift-ebpf. */
#include "skb_helpers.h"

/* Read a field again after writing it (clang would reuse the value it stored). */
#define READ(field) (*(volatile __u32 *)&skb->field)

SEC("tc")
int tc_ctx_write(struct __sk_buff *skb)
{
    void *data_end = (void *)(long)skb->data_end;
    __u8 *data = (void *)(long)skb->data;
    if ((void *)(data + 14) > data_end)
        return TC_ACT_OK;
    __u32 mac = (__u32)data[0] << 24 | (__u32)data[1] << 16 | (__u32)data[4] << 8 | data[5];
    skb->mark = mac ^ skb->len;
    skb->priority = data[12] << 8 | data[13];
    skb->tc_index = mac;
    skb->tc_classid = mac + skb->len;
    skb->queue_mapping = data[11] & 0x3f;
    skb->cb[1] = mac;
    skb->cb[3] = READ(tc_index);
    ((volatile __u8 *)skb->cb)[16] = data[6];
    __u32 sum = READ(mark) + READ(priority) + READ(tc_index) + READ(tc_classid) + READ(queue_mapping) + READ(cb[1]) + READ(cb[3]);
    skb->cb[2] = sum;
    return sum % 7 == 0 ? TC_ACT_SHOT : TC_ACT_OK;
}

LICENSE;
