/* Sends HTTP and HTTPS traffic (TCP to 80 or 443) over IPv4 to interface 7 with bpf_redirect
 * (XDP_REDIRECT; the target is recorded by the runtime), passes the rest. */
#include "parse.h"

SEC("xdp")
int xdp_redirect_ports(struct xdp_md *ctx)
{
    void *data_end = (void *)(long)ctx->data_end;
    struct cursor c = { .pos = (void *)(long)ctx->data };
    struct ethhdr *eth;
    if (parse_ethhdr(&c, data_end, &eth) != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    struct iphdr *iph;
    if (parse_iphdr(&c, data_end, &iph) != IPPROTO_TCP)
        return XDP_PASS;
    struct tcphdr *tcp = c.pos;
    if ((void *)(tcp + 1) > data_end)
        return XDP_PASS;
    if (tcp->dest == bpf_htons(80) || tcp->dest == bpf_htons(443))
        return bpf_redirect(7, 0);
    return XDP_PASS;
}

LICENSE;
