/* Emits one event per packet into a ring buffer, read from Swift.
 *
 * IPv4 packets: reserved in the ring buffer, filled in place and submitted (or discarded when
 * the protocol is 0). Other packets: a smaller event copied in with bpf_ringbuf_output. A
 * sequence number in .bss orders the events. Returns XDP_PASS (2). */
#include "bpf_helpers.h"

struct event {
    __u64 sequence;
    __u32 length;
    __u16 ethertype;
    __u8 protocol;
    __u8 kind; /* 1: IPv4 (reserve/submit), 2: other (output) */
};

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096);
} events SEC(".maps");

__u64 sequence = 0;

SEC("raw")
int emit_events(void *data, unsigned long length)
{
    void *end = data + length;
    __u8 *bytes = data;
    if (data + ETH_HEADER_LENGTH + 20 > end)
        return XDP_PASS;
    __u16 ethertype = (bytes[12] << 8) | bytes[13];
    sequence++;

    if (ethertype == ETH_TYPE_IPV4) {
        struct event *event = bpf_ringbuf_reserve(&events, sizeof(struct event), 0);
        if (!event)
            return XDP_PASS;
        event->sequence = sequence;
        event->length = length;
        event->ethertype = ethertype;
        event->protocol = bytes[ETH_HEADER_LENGTH + 9];
        event->kind = 1;
        if (event->protocol == 0)
            bpf_ringbuf_discard(event, 0);
        else
            bpf_ringbuf_submit(event, 0);
    } else {
        struct event event = {
            .sequence = sequence, .length = length, .ethertype = ethertype, .protocol = 0, .kind = 2,
        };
        bpf_ringbuf_output(&events, &event, sizeof(event), 0);
    }
    return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
