import EBPFCore

/// The memory regions helpers returned during one run (``HelperReturn/memoryOrNull(size:)`` with a
/// non-null pointer), which the program may then read and write.
///
/// The first few regions live inline (on the run's stack, no heap allocation); a run that collects
/// more spills the rest into an array. Returning the same region twice records it once, so a helper
/// called in a loop does not grow the list. Both parts are (start, count) pairs, tested with
/// ``MemoryRegions``, the check the JIT's slow path and the runtime use too.
struct ReturnedRegions {
    /// Regions kept inline before spilling.
    static let inlineCapacity = 8

    /// `inlineCapacity` (start, count) pairs.
    private var inlinePairs = InlineArray<16, UInt64>(repeating: 0)
    private var inlineCount = 0
    private var spilledPairs: [UInt64] = []

    /// Records `[start, start + size)`. A region no access lies inside (empty, or wrapping around
    /// the address space) is not recorded, nor one an already recorded region covers.
    mutating func add(start: UInt64, size: UInt64) {
        guard !MemoryRegion.admitsNoAccess(start: start, count: size), !contains(address: start, size: size) else { return }
        if inlineCount < Self.inlineCapacity {
            inlinePairs[2 &* inlineCount] = start
            inlinePairs[2 &* inlineCount &+ 1] = size
            inlineCount += 1
        } else {
            spilledPairs.append(start)
            spilledPairs.append(size)
        }
    }

    /// Whether `[address, address + size)` lies inside one recorded region
    /// (``MemoryRegion/contains(start:count:address:size:)``).
    func contains(address: UInt64, size: UInt64) -> Bool {
        let inline = inlinePairs.span.withUnsafeBufferPointer { pairs in
            MemoryRegions(pairs: UnsafeRawPointer(pairs.baseAddress), count: inlineCount)
                .contains(address: address, size: size)
        }
        if inline { return true }
        if spilledPairs.isEmpty { return false }
        return spilledPairs.withUnsafeBufferPointer { MemoryRegions($0).contains(address: address, size: size) }
    }
}
