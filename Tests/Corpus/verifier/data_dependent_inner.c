/* An inner loop whose trip count is read from the data. */
#include "corpus.h"
PROGRAM(data_dependent_inner)
{
    u32 sum = 0;
    for (unsigned long i = 0; i < len; i++) {
        u32 k = data[i] & 7;
        for (u32 j = 0; j < k && i + j < len; j++)
            sum += data[i + j];
    }
    return sum;
}

LICENSE;
