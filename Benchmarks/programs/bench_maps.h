/* Maps for the map-heavy benchmark programs (map_*.c), compiled two ways.
 *
 * eBPF (clang -target bpf -O2 -g): BTF-defined maps in ".maps" and the kernel's helper numbers,
 * as examples/c/bpf_helpers.h spells them; swift-ebpf's ELF loader creates the maps and the
 * kernel helpers of EBPFRuntime serve the calls.
 *
 * Native (clang -O2): the same declarations become plain C. A map is a static struct with
 * preallocated storage; bpf_map_lookup_elem and bpf_map_update_elem are ordinary out-of-line
 * functions (noinline, like a helper call) that dispatch on the map type: an array returns
 * the value's address after a bounds check; a hash map probes an open-addressed table
 * (FNV-1a over the key, linear probing, twice maxEntries slots). So the native side pays one
 * C function call and the same lookup work per map operation, and JIT/native shows what the
 * engine adds around a helper call. */
#ifndef BENCH_MAPS_H
#define BENCH_MAPS_H
#include "bench.h"

enum { BPF_MAP_TYPE_HASH = 1, BPF_MAP_TYPE_ARRAY = 2 };
enum { BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2 };

#ifdef __bpf__

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define MAP(name, map_type, key_type, value_type, entries) \
    struct {                                                \
        __uint(type, map_type);                             \
        __type(key, key_type);                              \
        __type(value, value_type);                          \
        __uint(max_entries, entries);                       \
    } name SEC(".maps")

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *) 1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value, u64 flags) = (void *) 2;

#else

struct shim_map {
    u32 type, key_size, value_size, stride, max_entries;
    u32 slots, count;  /* hash maps: table size (a power of two) and elements stored */
    u8 *keys, *values, *used;
};

/* Values sit 8-byte aligned (the stride rounds value_size up), as in the runtime's maps. */
#define SHIM_STRIDE(type) ((sizeof(type) + 7) / 8 * 8)
#define SHIM_SLOTS(entries) (2 * (entries))
#define MAP(name, map_type, key_type, value_type, entries)                                       \
    static u8 name##_keys[(map_type) == BPF_MAP_TYPE_HASH ? SHIM_SLOTS(entries) * sizeof(key_type) : 1]; \
    static u64 name##_values[((map_type) == BPF_MAP_TYPE_HASH ? SHIM_SLOTS(entries) : (entries)) \
                             * SHIM_STRIDE(value_type) / 8];                                     \
    static u8 name##_used[(map_type) == BPF_MAP_TYPE_HASH ? SHIM_SLOTS(entries) : 1];            \
    static struct shim_map name = {                                                              \
        (map_type), sizeof(key_type), sizeof(value_type), SHIM_STRIDE(value_type), (entries),    \
        SHIM_SLOTS(entries), 0, name##_keys, (u8 *)name##_values, name##_used }

static inline u64 shim_hash(const u8 *key, u32 size) {
    u64 h = 0xcbf29ce484222325ULL;
    for (u32 i = 0; i < size; i++) h = (h ^ key[i]) * 0x100000001b3ULL;
    return h;
}

static inline int shim_same(const u8 *a, const u8 *b, u32 size) {
    for (u32 i = 0; i < size; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

/* The slot holding key, or the free slot where it would go (slots - 1 is a mask). */
static inline u32 shim_find(struct shim_map *map, const u8 *key) {
    u32 slot = (u32)shim_hash(key, map->key_size) & (map->slots - 1);
    while (map->used[slot] && !shim_same(map->keys + (u64)slot * map->key_size, key, map->key_size))
        slot = (slot + 1) & (map->slots - 1);
    return slot;
}

__attribute__((noinline)) static void *shim_lookup(void *opaque, const void *key) {
    struct shim_map *map = opaque;
    if (map->type == BPF_MAP_TYPE_ARRAY) {
        u32 index = *(const u32 *)key;
        return index < map->max_entries ? map->values + (u64)index * map->stride : 0;
    }
    u32 slot = shim_find(map, key);
    return map->used[slot] ? map->values + (u64)slot * map->stride : 0;
}

__attribute__((noinline)) static long shim_update(void *opaque, const void *key, const void *value, u64 flags) {
    struct shim_map *map = opaque;
    u8 *target;
    if (map->type == BPF_MAP_TYPE_ARRAY) {
        u32 index = *(const u32 *)key;
        if (index >= map->max_entries) return -7;  /* E2BIG */
        if (flags == BPF_NOEXIST) return -17;      /* EEXIST */
        target = map->values + (u64)index * map->stride;
    } else {
        u32 slot = shim_find(map, key);
        if (map->used[slot]) {
            if (flags == BPF_NOEXIST) return -17;
        } else {
            if (flags == BPF_EXIST) return -2;       /* ENOENT */
            if (map->count >= map->max_entries) return -7;
            map->used[slot] = 1;
            map->count++;
            const u8 *k = key;
            for (u32 i = 0; i < map->key_size; i++) map->keys[(u64)slot * map->key_size + i] = k[i];
        }
        target = map->values + (u64)slot * map->stride;
    }
    const u8 *v = value;
    for (u32 i = 0; i < map->value_size; i++) target[i] = v[i];
    return 0;
}

/* The map's address passes through an empty asm statement, so the compiler cannot specialise
 * the out-of-line functions for one map (the kernel helpers cannot know the map either). */
static inline void *shim_opaque(void *map) {
    __asm__("" : "+r"(map));
    return map;
}
#define bpf_map_lookup_elem(map, key) shim_lookup(shim_opaque(map), (key))
#define bpf_map_update_elem(map, key, value, flags) shim_update(shim_opaque(map), (key), (value), (flags))

#endif
#endif
