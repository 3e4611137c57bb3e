/* CRC-32, bit by bit: a fixed inner loop of 8 inside the byte loop. */
#include "corpus.h"
PROGRAM(crc32_bitwise)
{
    u32 crc = 0xffffffffu;
    for (unsigned long i = 0; i < len; i++) {
        crc ^= data[i];
        for (int b = 0; b < 8; b++)
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
    return ~crc;
}

LICENSE;
