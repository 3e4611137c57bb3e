/* Declarations shared by the verifier corpus: programs that read an input buffer whose length
 * arrives in R2, each memory-safe for every length (0 included). Written for swift-ebpf. */
#ifndef VERIFIER_CORPUS_H
#define VERIFIER_CORPUS_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed int s32;
typedef long long s64;

#define SEC(name) __attribute__((section(name), used))
#define __noinline __attribute__((noinline))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name

enum { BPF_MAP_TYPE_HASH = 1, BPF_MAP_TYPE_ARRAY = 2 };
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *) 1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value, u64 flags) = (void *) 2;

/* One entry point per file: R1 = the buffer, R2 = its length. */
#define PROGRAM(name) SEC("raw") int name(u8 *data, unsigned long len)
#define LICENSE char _license[] SEC("license") = "GPL"

#endif
