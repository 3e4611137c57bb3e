/* Stores one word on the stack and loads it back: the cost of a call for a program that uses
 * its stack area (which the engines used to zero-fill on every run). */
#include "bench.h"

BENCH(stack) {
    (void)mem;
    volatile u64 slot = len;
    return slot;
}
