/* Shared by the benchmark programs. Every benchmark is one function
 *   unsigned long long NAME(void *mem, unsigned long long len)
 * with no globals, compiled both to eBPF (clang -target bpf -O2) and natively
 * (clang -O2 -shared -fPIC). Helpers are always inlined so the eBPF build is a
 * single relocation-free function. */
#ifndef BENCH_H
#define BENCH_H
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;
#define INLINE static inline __attribute__((always_inline))
#define BENCH(name) u64 name(void *mem, u64 len)
#endif
