/* Helper calls on a hash map: per-flow packet and byte counters. The input is a list of 8-byte
 * records; each names a flow (address, port, protocol: at most 2,048 distinct, 4 KiB of input
 * has 512 records) and a packet size. Per record: bpf_map_lookup_elem on the flow; a counter of
 * this run is incremented in place, a missing flow is inserted (BPF_NOEXIST) and a counter left
 * by an earlier run is restarted (BPF_EXIST). Then every record's flow is looked up again and
 * its counters hashed (FNV-1a).
 *
 * Repeat-independent by design: an array map holds a run counter, each value carries the run
 * it was counted in, and a value from an earlier run counts as absent. From the second run on
 * every key exists, so the updates only overwrite values. */
#include "bench_maps.h"

struct flow_key {
    u32 address;
    u16 port;
    u8 protocol;
    u8 pad;
};

struct flow_value {
    u32 run;
    u32 packets;
    u64 bytes;
};

MAP(flows, BPF_MAP_TYPE_HASH, struct flow_key, struct flow_value, 1024);
MAP(runs, BPF_MAP_TYPE_ARRAY, u32, u64, 1);

INLINE struct flow_key flow_of(const u8 *record) {
    struct flow_key key = {
        .address = 0x0a000000 | record[0],
        .port = 0x1000 + (record[1] & 3),
        .protocol = (record[2] & 1) ? 6 : 17,
        .pad = 0,
    };
    return key;
}

BENCH(map_hash) {
    const u8 *p = mem;
    u32 zero = 0;
    u64 *counter = bpf_map_lookup_elem(&runs, &zero);
    if (!counter) return 0;
    u32 run = (u32)(*counter += 1);
    for (u64 off = 0; off + 8 <= len && off < 65536; off += 8) {
        struct flow_key key = flow_of(p + off);
        u64 size = 64 + (p[off + 3] | (u64)(p[off + 4] & 3) << 8);
        struct flow_value *value = bpf_map_lookup_elem(&flows, &key);
        if (value && value->run == run) {
            value->packets += 1;
            value->bytes += size;
        } else {
            struct flow_value fresh = { .run = run, .packets = 1, .bytes = size };
            bpf_map_update_elem(&flows, &key, &fresh, value ? BPF_EXIST : BPF_NOEXIST);
        }
    }
    u64 h = 0xcbf29ce484222325ULL;
    for (u64 off = 0; off + 8 <= len && off < 65536; off += 8) {
        struct flow_key key = flow_of(p + off);
        struct flow_value *value = bpf_map_lookup_elem(&flows, &key);
        if (value) {
            h = (h ^ value->packets) * 0x100000001b3ULL;
            h = (h ^ value->bytes) * 0x100000001b3ULL;
        }
    }
    return h;
}
