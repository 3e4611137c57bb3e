/* Walks the labels of a DNS name after a 12-byte header. */
#include "corpus.h"
PROGRAM(dns_labels)
{
    unsigned long off = 12;
    u32 labels = 0;
    for (int n = 0; n < 32; n++) {
        if (off >= len)
            return 0;
        u8 length = data[off];
        if (length == 0)
            return labels;
        if (length > 63)
            return 0;
        labels++;
        off += length + 1;
    }
    return labels;
}

LICENSE;
