/* Helper calls on an array map: a byte histogram of the input in a 256-entry array map.
 * Each run first zeroes the 256 counters with bpf_map_update_elem, then counts every byte
 * with bpf_map_lookup_elem and an in-place increment, then hashes the counters (FNV-1a) read
 * back with bpf_map_lookup_elem: 4,608 helper calls for 4 KiB of input. Zeroing first makes
 * the result the same on every run, whatever earlier runs left in the map. */
#include "bench_maps.h"

MAP(histogram, BPF_MAP_TYPE_ARRAY, u32, u64, 256);

BENCH(map_array) {
    const u8 *p = mem;
    u64 zero = 0;
    for (u32 i = 0; i < 256; i++) {
        u32 key = i;
        bpf_map_update_elem(&histogram, &key, &zero, BPF_ANY);
    }
    for (u64 i = 0; i < len && i < 65536; i++) {
        u32 key = p[i];
        u64 *count = bpf_map_lookup_elem(&histogram, &key);
        if (count) *count += 1;
    }
    u64 h = 0xcbf29ce484222325ULL;
    for (u32 i = 0; i < 256; i++) {
        u32 key = i;
        u64 *count = bpf_map_lookup_elem(&histogram, &key);
        if (count) h = (h ^ *count) * 0x100000001b3ULL;
    }
    return h;
}
