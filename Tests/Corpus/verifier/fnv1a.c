/* FNV-1a over the buffer. */
#include "corpus.h"
PROGRAM(fnv1a)
{
    u32 h = 2166136261u;
    for (unsigned long i = 0; i < len; i++) {
        h ^= data[i];
        h *= 16777619u;
    }
    return h;
}

LICENSE;
