/* An XDP-style filter with one array-map lookup, the size of an example program: checks the
 * Ethernet and IPv4 headers against the end of the packet, counts the packet in a 256-entry
 * array indexed by the IPv4 protocol number (bpf_map_lookup_elem and an in-place increment),
 * and returns XDP_PASS (2) for TCP and XDP_DROP (1) for anything else. The counters grow from
 * run to run; the result does not depend on them. */
#include "bench_maps.h"

MAP(protocols, BPF_MAP_TYPE_ARRAY, u32, u64, 256);

BENCH(map_lookup) {
    const u8 *p = mem;
    const u8 *end = p + len;
    if (p + 34 > end) return 1;
    if (p[12] != 0x08 || p[13] != 0x00) return 1;
    u32 protocol = p[23];
    u64 *count = bpf_map_lookup_elem(&protocols, &protocol);
    if (!count) return 1;
    *count += 1;
    return protocol == 6 ? 2 : 1;
}
