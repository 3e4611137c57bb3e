/* Counts space-separated tokens: a state machine over the bytes. */
#include "corpus.h"
PROGRAM(token_count)
{
    u32 tokens = 0;
    int inside = 0;
    for (unsigned long i = 0; i < len; i++) {
        int space = data[i] == ' ' || data[i] == '\t' || data[i] == '\n';
        if (!space && !inside)
            tokens++;
        inside = !space;
    }
    return tokens;
}

LICENSE;
