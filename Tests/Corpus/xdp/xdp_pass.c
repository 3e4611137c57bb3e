/* Passes every packet: the smallest XDP program. */
#include "xdp_helpers.h"

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
    return XDP_PASS;
}

LICENSE;
