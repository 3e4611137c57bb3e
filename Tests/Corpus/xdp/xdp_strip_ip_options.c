/* Removes the options of IPv4 packets (behind no VLAN tag): the Ethernet header and the
 * 20-byte IP header move forward over the options with bpf_xdp_adjust_head, the header length,
 * total length and checksum are fixed. Packets without options pass unchanged. */
#include "xdp_helpers.h"

struct headers {
    struct ethhdr eth;
    struct iphdr ip;
} __attribute__((packed));

SEC("xdp")
int xdp_strip_ip_options(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct headers *h = data;
    if ((void *)(h + 1) > data_end)
        return XDP_PASS;
    if (h->eth.h_proto != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    int options = h->ip.ihl * 4 - (int)sizeof(struct iphdr);
    if (options <= 0)
        return XDP_PASS;
    if (data + sizeof(struct headers) + options > data_end)
        return XDP_DROP;
    struct headers copy;
    __builtin_memcpy(&copy, h, sizeof(copy));
    __u16 old_word = *(__u16 *)&copy.ip;
    __u16 old_len = copy.ip.tot_len;
    copy.ip.ihl = 5;
    copy.ip.tot_len = bpf_htons(bpf_ntohs(copy.ip.tot_len) - options);
    __u16 check = csum_replace2(copy.ip.check, old_word, *(__u16 *)&copy.ip);
    copy.ip.check = csum_replace2(check, old_len, copy.ip.tot_len);
    if (bpf_xdp_adjust_head(ctx, options))
        return XDP_ABORTED;
    data = (void *)(long)ctx->data;
    data_end = (void *)(long)ctx->data_end;
    h = data;
    if ((void *)(h + 1) > data_end)
        return XDP_ABORTED;
    __builtin_memcpy(h, &copy, sizeof(copy));
    return XDP_PASS;
}

LICENSE;
