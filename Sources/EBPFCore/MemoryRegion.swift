/// A range of host memory, besides the input memory and the stack, that a program may read and
/// write at run time: for example the value storage of a map. Engines that check accesses at run
/// time accept an access that lies entirely inside one such region.
///
/// The region does not own its memory; whoever hands it to an engine keeps the memory alive for
/// as long as programs may run.
public struct MemoryRegion: Sendable, Hashable, CustomStringConvertible {
    /// Address of the first byte.
    public let start: UInt64
    /// Number of bytes.
    public let count: UInt64

    public init(start: UInt64, count: UInt64) {
        self.start = start
        self.count = count
    }

    /// The region covering `buffer` (empty when the buffer has no base address).
    public init(_ buffer: UnsafeMutableRawBufferPointer) {
        start = UInt64(UInt(bitPattern: buffer.baseAddress))
        count = buffer.baseAddress == nil ? 0 : UInt64(buffer.count)
    }

    /// Whether `[address, address + size)` lies entirely inside the region; see
    /// ``contains(start:count:address:size:)`` for the edge cases.
    @inlinable
    public func contains(address: UInt64, size: UInt64) -> Bool {
        Self.contains(start: start, count: count, address: address, size: size)
    }

    /// Whether the access `[address, address + size)` lies entirely inside the region
    /// `[start, start + count)`: the one rule every run-time check that is not an engine's
    /// inline fast path uses (the interpreter's and the JIT's slow paths, helpers checking
    /// pointer arguments), so the engines and the runtime accept exactly the same accesses.
    ///
    /// - An empty region (`count == 0`) contains nothing, not even an access of size 0.
    /// - An access of size 0 is inside when `address` is a byte of the region (so not at its
    ///   end).
    /// - A region that wraps around the end of the address space (`start + count > 2^64`)
    ///   contains nothing: no real memory does, and inside a region that does not wrap no access
    ///   can wrap either. A region may end exactly at 2^64.
    /// - Address 0 is never inside, even in a region that starts there: it is the null pointer,
    ///   which no engine may dereference (the interpreter turns a checked address into a
    ///   pointer, which must not be null).
    @inlinable
    public static func contains(start: UInt64, count: UInt64, address: UInt64, size: UInt64) -> Bool {
        // `address &- start` wraps to a huge value below `start`, so `offset < count` tests both
        // ends.
        let offset = address &- start
        return offset < count && count &- offset >= size && !admitsNoAccess(start: start, count: count) && address != 0
    }

    /// Whether no access lies inside the region: it is empty or wraps around the end of the
    /// address space (see ``contains(start:count:address:size:)``). Lists of regions may skip
    /// such a region.
    @inlinable
    public var admitsNoAccess: Bool {
        Self.admitsNoAccess(start: start, count: count)
    }

    /// ``admitsNoAccess`` of `[start, start + count)`.
    @inlinable
    public static func admitsNoAccess(start: UInt64, count: UInt64) -> Bool {
        // For count > 0, `count &- 1` is the last byte's offset, and start + count <= 2^64
        // exactly when it is at most ~start (2^64 - 1 - start).
        count == 0 || count &- 1 > ~start
    }

    public var description: String {
        "0x\(String(start, radix: 16))+\(count)"
    }
}
