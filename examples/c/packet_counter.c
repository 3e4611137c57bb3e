/* Counts IPv4 packets per IP protocol number in a hash map.
 *
 * The program's memory is an Ethernet frame: R1 = its first byte, R2 = its length. Each IPv4
 * packet increments counts[protocol]; the first packet of a protocol creates the entry and
 * prints a trace line. Returns XDP_PASS (2) for every packet. */
#include "bpf_helpers.h"

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 256);
} counts SEC(".maps");

SEC("raw")
int count_packets(void *data, unsigned long length)
{
    void *end = data + length;
    __u8 *bytes = data;
    if (data + ETH_HEADER_LENGTH + 20 > end)
        return XDP_PASS;
    if (((bytes[12] << 8) | bytes[13]) != ETH_TYPE_IPV4)
        return XDP_PASS;

    __u32 protocol = bytes[ETH_HEADER_LENGTH + 9];
    __u64 *count = bpf_map_lookup_elem(&counts, &protocol);
    if (count) {
        __sync_fetch_and_add(count, 1);
    } else {
        __u64 one = 1;
        bpf_map_update_elem(&counts, &protocol, &one, BPF_NOEXIST);
        static const char message[] = "new protocol %u\n";
        bpf_trace_printk(message, sizeof(message), protocol);
    }
    return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
