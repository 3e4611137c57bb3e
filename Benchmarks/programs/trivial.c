/* The smallest program: returns 1 (`mov r0, 1; exit`). What a run costs is the cost of the
 * call itself. */
#include "bench.h"

BENCH(trivial) {
    (void)mem;
    (void)len;
    return 1;
}
