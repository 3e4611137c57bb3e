/* Type-length-value records: the offset advances by a length read from the data. */
#include "corpus.h"
PROGRAM(tlv_walk)
{
    unsigned long off = 0;
    u32 types = 0;
    for (int n = 0; n < 64 && off + 2 <= len; n++) {
        u8 type = data[off];
        u8 length = data[off + 1];
        if (off + 2 + length > len)
            break;
        if (length > 0)
            types += type ^ data[off + 2 + length - 1];
        off += 2 + length;
    }
    return types;
}

LICENSE;
