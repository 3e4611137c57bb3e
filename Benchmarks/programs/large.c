/* A large straight-line program (thousands of instructions) for compile time:
 * 512 distinct mixing rounds over eight words of the buffer. */
#include "bench.h"

#define ROUND(n) \
    a += b ^ (u64)(n) * 0x9E3779B97F4A7C15ULL; \
    b = (b << ((n) % 63 + 1)) | (b >> (63 - (n) % 63)); \
    c ^= a + (u64)(n); \
    d = d * ((n) | 1) + c; \
    { u64 t = a; a = b; b = c; c = d; d = t; }
#define R4(n) ROUND(n) ROUND(n + 1) ROUND(n + 2) ROUND(n + 3)
#define R16(n) R4(n) R4(n + 4) R4(n + 8) R4(n + 12)
#define R64(n) R16(n) R16(n + 16) R16(n + 32) R16(n + 48)
#define R256(n) R64(n) R64(n + 64) R64(n + 128) R64(n + 192)

BENCH(large) {
    if (len < 32) return 0;
    const u64 *p = mem;
    u64 a = p[0], b = p[1], c = p[2], d = p[3];
    R256(0)
    R256(256)
    return a ^ b ^ c ^ d;
}
