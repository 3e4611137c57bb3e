/* Two indices walking towards each other. */
#include "corpus.h"
PROGRAM(palindrome)
{
    if (len == 0)
        return 1;
    unsigned long i = 0, j = len - 1;
    while (i < j) {
        if (data[i] != data[j])
            return 0;
        i++;
        j--;
    }
    return 1;
}

LICENSE;
