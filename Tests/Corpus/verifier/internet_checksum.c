/* The Internet checksum over 16-bit words, odd tail byte included. */
#include "corpus.h"
PROGRAM(internet_checksum)
{
    u32 sum = 0;
    unsigned long i = 0;
    for (; i + 1 < len; i += 2)
        sum += (data[i] << 8) | data[i + 1];
    if (i < len)
        sum += data[i] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return ~sum & 0xffff;
}

LICENSE;
