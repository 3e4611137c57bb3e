/* A bpf-to-bpf call that receives the buffer and its length. */
#include "corpus.h"
static __noinline u32 weighted(u8 *p, unsigned long n)
{
    u32 s = 0;
    for (unsigned long i = 0; i < n; i++)
        s += p[i] * (u32)(i & 7);
    return s;
}

PROGRAM(local_call_sum)
{
    if (len < 8)
        return 0;
    return weighted(data + 4, len - 4);
}

LICENSE;
