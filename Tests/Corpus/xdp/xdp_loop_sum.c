/* Sums the first 64 bytes of the frame (fewer when it is shorter) with a bpf_loop callback that
 * reads the packet through pointers the caller left on its stack, writes the low byte of the sum
 * into the last byte of the source MAC, counts frames by the sum's low two bits in an array map
 * and drops frames whose sum is odd. */
#include "xdp_helpers.h"

struct sum_state {
    void *data;
    void *data_end;
    __u32 sum;
    __u32 bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 4);
} sums SEC(".maps");

static long add_byte(__u32 index, void *raw)
{
    struct sum_state *state = raw;
    /* The kernel knows nothing of index (not even index < nr_loops): bound it. */
    __u8 *byte = state->data + (index & 63);
    if ((void *)(byte + 1) > state->data_end)
        return 1;
    state->sum += *byte;
    state->bytes += 1;
    return 0;
}

SEC("xdp")
int xdp_loop_sum(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct sum_state state = { .data = data, .data_end = data_end };
    long calls = bpf_loop(64, add_byte, &state, 0);
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > data_end)
        return XDP_ABORTED;
    eth->h_source[5] = (__u8)state.sum;
    if (calls != state.bytes + (state.bytes < 64))
        return XDP_ABORTED;
    __u32 key = state.sum & 3;
    __u64 *count = bpf_map_lookup_elem(&sums, &key);
    if (count)
        __sync_fetch_and_add(count, 1);
    return (state.sum & 1) ? XDP_DROP : XDP_PASS;
}

LICENSE;
