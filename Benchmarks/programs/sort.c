/* Stack array: copy 64 64-bit words from the buffer to the stack, insertion-sort
 * them, fold the result; over several windows of the buffer. */
#include "bench.h"

BENCH(sort) {
    const u32 *p = mem;
    u64 acc = 0;
    u32 a[64];
    u64 windows = len / sizeof(a);
    for (u32 w = 0; w < windows && w < 16; w++) {
        for (u32 i = 0; i < 64; i++)
            a[i] = p[w * 64 + i];
        for (u32 i = 1; i < 64; i++) {
            u32 v = a[i];
            u32 j = i;
            while (j > 0 && a[j - 1] > v) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = v;
        }
        for (u32 i = 0; i < 64; i++)
            acc = acc * 31 + a[i];
    }
    return acc;
}
