/* String compare: the buffer is 32-byte records holding NUL-terminated strings;
 * compare each record with the next 8 and count the orderings. */
#include "bench.h"

INLINE int compare(const u8 *a, const u8 *b) {
    for (u32 k = 0; k < 32; k++) {
        u8 x = a[k], y = b[k];
        if (x != y) return x < y ? -1 : 1;
        if (x == 0) return 0;
    }
    return 0;
}

BENCH(str_compare) {
    const u8 *p = mem;
    u64 records = len / 32;
    if (records > 2048) records = 2048;
    u64 acc = 0;
    for (u64 i = 0; i + 8 < records; i++) {
        for (u64 j = 1; j <= 8; j++) {
            int c = compare(p + i * 32, p + (i + j) * 32);
            acc = acc * 3 + (u64)(c + 1);
        }
    }
    return acc;
}
