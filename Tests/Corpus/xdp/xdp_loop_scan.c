/* bpf_loop's corner cases on every frame: a scan of the payload after the Ethernet header that
 * stops early (the callback returns 1) at the first zero byte, with a histogram of byte classes
 * kept in an array inside the caller's stack frame; nr_loops = 0 for frames shorter than 60
 * bytes; and, for frames whose length is odd, a call with flags = 1, which returns -EINVAL
 * without calling back. The results go to an array map; the verdict and the first payload
 * byte depend on them. */
#include "xdp_helpers.h"

struct scan {
    void *data;
    void *data_end;
    __u32 classes[4];
    __u32 last;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 8);
} results SEC(".maps");

static long scan_byte(__u32 index, void *raw)
{
    struct scan *scan = raw;
    __u8 *byte = scan->data + 14 + (index & 63);
    if ((void *)(byte + 1) > scan->data_end)
        return 1;
    __u8 value = *byte;
    scan->classes[value >> 6] += 1;
    scan->last = index;
    return value == 0;
}

static long never_called(__u32 index, void *raw)
{
    struct scan *scan = raw;
    scan->last = 0xdead;
    return 0;
}

static __always_inline void add(__u32 key, __u64 amount)
{
    __u64 *slot = bpf_map_lookup_elem(&results, &key);
    if (slot)
        __sync_fetch_and_add(slot, amount);
}

SEC("xdp")
int xdp_loop_scan(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    __u64 length = data_end - data;
    struct scan scan = { .data = data, .data_end = data_end };
    __u32 loops = length < 60 ? 0 : 48;
    long calls = bpf_loop(loops, scan_byte, &scan, 0);
    long refused = bpf_loop(4, never_called, &scan, length & 1);
    add(0, calls);
    add(1, refused == -22);
    add(2, scan.last);
    for (int i = 0; i < 4; i++)
        add(3 + i, scan.classes[i]);
    __u8 *first = data + 14;
    if ((void *)(first + 1) > data_end)
        return XDP_PASS;
    *first = (__u8)(calls ^ scan.classes[3]);
    if (calls == 0)
        return XDP_PASS;
    return calls < 48 ? XDP_TX : XDP_DROP;
}

LICENSE;
