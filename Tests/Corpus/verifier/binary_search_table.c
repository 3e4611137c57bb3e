/* Binary search of the first byte in a sorted table on the stack. */
#include "corpus.h"
PROGRAM(binary_search_table)
{
    u8 table[16] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53};
    if (len < 1)
        return -1;
    u8 key = data[0];
    int lo = 0, hi = 15;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (table[mid & 15] == key)
            return mid;
        if (table[mid & 15] < key)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

LICENSE;
