/* Reads the last four bytes relative to the end. */
#include "corpus.h"
PROGRAM(last_bytes)
{
    if (len < 4)
        return 0;
    u8 *tail = data + len - 4;
    return (tail[0] << 24) | (tail[1] << 16) | (tail[2] << 8) | tail[3];
}

LICENSE;
