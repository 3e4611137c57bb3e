/* A loop counter kept in a 4-byte stack slot whose address is the map key: the counter must keep
 * its value across the store and the helper call. A hash map and an array map. */
#include "corpus.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 16);
    __type(key, u32);
    __type(value, u64);
} totals SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 64);
    __type(key, u32);
    __type(value, u32);
} seen SEC(".maps");

PROGRAM(map_key_loop)
{
    u64 sum = 0;
    for (u32 k = 0; k < 16; k++) {
        u64 *value = bpf_map_lookup_elem(&totals, &k);
        if (value)
            sum += *value;
    }
    if (len >= 4) {
        u32 key = data[0] & 63;
        u32 one = 1;
        bpf_map_update_elem(&seen, &key, &one, 0);
    }
    return (u32)sum;
}

LICENSE;
