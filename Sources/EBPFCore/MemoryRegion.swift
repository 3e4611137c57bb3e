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

    /// Whether `[address, address + size)` lies entirely inside the region (never for an empty
    /// region or a range that wraps around the address space).
    @inlinable
    public func contains(address: UInt64, size: UInt64) -> Bool {
        let offset = address &- start
        return count > 0 && offset < count && count &- offset >= size
    }

    public var description: String {
        "0x\(String(start, radix: 16))+\(count)"
    }
}
