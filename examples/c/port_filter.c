/* Drops TCP and UDP packets to blocked destination ports.
 *
 * The blocked ports are read-only global data (.rodata); statistics live in a legacy "maps"
 * section array (index 0: passed, 1: dropped) and in global variables (.data and .bss). The port
 * check is a separate function in .text, reached by a local call. Returns XDP_DROP (1) or
 * XDP_PASS (2). */
#include "bpf_helpers.h"

struct bpf_map_def SEC("maps") verdicts = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u64),
    .max_entries = 2,
};

const volatile __u16 blocked_ports[4] = {22, 23, 445, 3389};
__u64 packets_seen = 0;          /* .bss */
__u32 last_blocked_port = 0xffff; /* .data */

static __noinline int port_is_blocked(__u32 port)
{
    for (int i = 0; i < 4; i++) {
        if (blocked_ports[i] == port) {
            last_blocked_port = port;
            return 1;
        }
    }
    return 0;
}

SEC("raw")
int filter_ports(void *data, unsigned long length)
{
    void *end = data + length;
    __u8 *bytes = data;
    packets_seen++;
    if (data + ETH_HEADER_LENGTH + 20 + 4 > end)
        return XDP_PASS;
    if (((bytes[12] << 8) | bytes[13]) != ETH_TYPE_IPV4)
        return XDP_PASS;
    __u8 protocol = bytes[ETH_HEADER_LENGTH + 9];
    if (protocol != 6 && protocol != 17)
        return XDP_PASS;
    /* Assumes a 20-byte IPv4 header (no options). */
    __u32 port = (bytes[ETH_HEADER_LENGTH + 22] << 8) | bytes[ETH_HEADER_LENGTH + 23];

    __u32 verdict = port_is_blocked(port);
    __u64 *total = bpf_map_lookup_elem(&verdicts, &verdict);
    if (total)
        __sync_fetch_and_add(total, 1);
    return verdict ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
