/* Parses leading decimal digits. */
#include "corpus.h"
PROGRAM(parse_decimal)
{
    u32 value = 0;
    unsigned long i = 0;
    while (i < len && data[i] >= '0' && data[i] <= '9') {
        value = value * 10 + (data[i] - '0');
        i++;
    }
    return value;
}

LICENSE;
