/// The memory regions helpers returned during one run (``HelperReturn/memoryOrNull(size:)`` with a
/// non-null pointer), which the program may then read and write.
///
/// The first few regions live inline (on the run's stack, no heap allocation); a run that collects
/// more spills the rest into an array. Returning the same region twice records it once, so a helper
/// called in a loop does not grow the list.
struct ReturnedRegions {
    /// Regions kept inline before spilling.
    static let inlineCapacity = 8

    private var starts = InlineArray<8, UInt64>(repeating: 0)
    /// One past the last byte of each inline region.
    private var ends = InlineArray<8, UInt64>(repeating: 0)
    private var inlineCount = 0
    private var spilled: [(start: UInt64, end: UInt64)] = []

    /// Records `[start, start + size)`. Regions that would wrap around the address space are ignored
    /// (no access could lie inside them).
    mutating func add(start: UInt64, size: UInt64) {
        let (end, overflow) = start.addingReportingOverflow(size)
        guard size > 0, !overflow else { return }
        if contains(start: start, end: end) { return }
        if inlineCount < Self.inlineCapacity {
            starts[inlineCount] = start
            ends[inlineCount] = end
            inlineCount += 1
        } else {
            spilled.append((start, end))
        }
    }

    /// Whether `[address, address + size)` lies inside one recorded region.
    func contains(address: UInt64, size: UInt64) -> Bool {
        let (end, overflow) = address.addingReportingOverflow(size)
        return !overflow && contains(start: address, end: end)
    }

    private func contains(start: UInt64, end: UInt64) -> Bool {
        for index in 0..<inlineCount where starts[index] <= start && end <= ends[index] {
            return true
        }
        for region in spilled where region.start <= start && end <= region.end {
            return true
        }
        return false
    }
}
