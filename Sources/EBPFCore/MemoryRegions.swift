/// A list of memory regions stored as (start, count) pairs of `UInt64` in memory someone else
/// owns: the form JIT-compiled code writes the regions helpers return in, the form the JIT keeps
/// a program's extra regions in, and the interpreter's list of returned regions. A view: making
/// one and testing an access allocate and copy nothing, so it can be used from the JIT's
/// C-convention slow path.
///
/// Each region follows ``MemoryRegion/contains(start:count:address:size:)``; an access is inside
/// the list when it lies entirely inside one region (an access straddling two adjacent regions is
/// not, as in every engine).
public struct MemoryRegions {
    /// The first pair: the start at byte 0, the count at byte 8, the next pair at byte 16.
    public let pairs: UnsafeRawPointer?
    /// Number of pairs.
    public let count: Int

    /// Bytes per (start, count) pair.
    @inlinable
    public static var pairStride: Int { 16 }

    /// The `count` pairs at `pairs` (none when `pairs` is `nil`). The memory must stay valid
    /// while the view is used.
    @inlinable
    public init(pairs: UnsafeRawPointer?, count: Int) {
        self.pairs = pairs
        self.count = pairs == nil ? 0 : max(count, 0)
    }

    /// The pairs in `buffer`: `buffer.count / 2` regions, start then count.
    @inlinable
    public init(_ buffer: UnsafeBufferPointer<UInt64>) {
        self.init(pairs: UnsafeRawPointer(buffer.baseAddress), count: buffer.count / 2)
    }

    /// Whether `[address, address + size)` lies entirely inside one of the regions.
    @inlinable
    public func contains(address: UInt64, size: UInt64) -> Bool {
        guard var pair = pairs else { return false }
        for _ in 0..<count {
            let start = pair.loadUnaligned(as: UInt64.self)
            let length = pair.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            if MemoryRegion.contains(start: start, count: length, address: address, size: size) { return true }
            pair += Self.pairStride
        }
        return false
    }
}

extension MemoryRegion {
    /// `regions` flattened to (start, count) pairs, the storage a ``MemoryRegions`` view reads.
    public static func pairs(_ regions: [MemoryRegion]) -> [UInt64] {
        var pairs: [UInt64] = []
        pairs.reserveCapacity(2 * regions.count)
        for region in regions {
            pairs.append(region.start)
            pairs.append(region.count)
        }
        return pairs
    }
}
