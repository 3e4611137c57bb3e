#if canImport(Glibc)
import Glibc
#endif

/// The monotonic clock the benchmarks read: CLOCK_MONOTONIC in nanoseconds.
enum BenchClock {
    /// Nanoseconds since an arbitrary fixed point; only differences mean anything.
    @inline(__always)
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}
