/* A small stand-in for libbpf's <bpf/bpf_helpers.h> (not installed on the machine these
 * programs were built on): SEC(), the helpers the XDP corpus calls, byte-order macros and the
 * header structures. Written for swift-ebpf. */
#ifndef XDP_HELPERS_H
#define XDP_HELPERS_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include <linux/in.h>

#define SEC(name) __attribute__((section(name), used))
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define bpf_htons(x) ((__u16)__builtin_bswap16((__u16)(x)))
#define bpf_ntohs(x) ((__u16)__builtin_bswap16((__u16)(x)))
#define bpf_htonl(x) ((__u32)__builtin_bswap32((__u32)(x)))
#define bpf_ntohl(x) ((__u32)__builtin_bswap32((__u32)(x)))

static long (*bpf_xdp_adjust_head)(struct xdp_md *ctx, int delta) = (void *) BPF_FUNC_xdp_adjust_head;
static long (*bpf_xdp_adjust_tail)(struct xdp_md *ctx, int delta) = (void *) BPF_FUNC_xdp_adjust_tail;
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *) BPF_FUNC_map_lookup_elem;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value, __u64 flags) = (void *) BPF_FUNC_map_update_elem;
static long (*bpf_redirect)(__u32 ifindex, __u64 flags) = (void *) BPF_FUNC_redirect;
static long (*bpf_redirect_map)(void *map, __u64 key, __u64 flags) = (void *) BPF_FUNC_redirect_map;
static __s64 (*bpf_csum_diff)(__be32 *from, __u32 from_size, __be32 *to, __u32 to_size, __wsum seed) = (void *) BPF_FUNC_csum_diff;
static long (*bpf_xdp_adjust_meta)(struct xdp_md *ctx, int delta) = (void *) BPF_FUNC_xdp_adjust_meta;
/* Calls callback_fn(index, callback_ctx) for index = 0 .. nr_loops - 1 until it returns 1;
 * returns the number of calls (or -EINVAL for flags != 0, -E2BIG above 1 << 23 loops). */
static long (*bpf_loop)(__u32 nr_loops, void *callback_fn, void *callback_ctx, __u64 flags) = (void *) BPF_FUNC_loop;

/* ICMP header (linux/icmp.h pulls in libc headers clang -target bpf cannot use). */
struct icmp_hdr {
    __u8 type;
    __u8 code;
    __sum16 checksum;
    __be16 id;
    __be16 sequence;
};

/* An 802.1Q / 802.1ad tag. */
struct vlan_hdr {
    __be16 h_vlan_TCI;
    __be16 h_vlan_encapsulated_proto;
};

#define LICENSE char _license[] SEC("license") = "GPL"

/* Folds a 32-bit one's-complement sum to 16 bits. */
static __always_inline __u16 csum_fold(__u32 sum)
{
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return (__u16)~sum;
}

/* RFC 1624 incremental update: the checksum after a 16-bit field changes from old to new. */
static __always_inline __u16 csum_replace2(__u16 check, __u16 old, __u16 new)
{
    __u32 sum = (__u16)~check + (__u16)~old + (__u32)new;
    return csum_fold(sum);
}

#endif
