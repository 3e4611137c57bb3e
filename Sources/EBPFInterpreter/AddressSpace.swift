import EBPFCore

/// The host memory one run may touch: the input memory, the whole stack area and the regions
/// helpers returned (kept by the caller in a ``ReturnedRegions``). Turns a program address into a
/// host pointer after checking the access.
///
/// eBPF addresses are real host addresses (R1 is the real pointer to the input), so a checked
/// address converts to a pointer with no translation.
///
/// Three plain integers, so the dispatch loop keeps them in registers; the region list is a
/// separate value passed to the slow path by reference, never copied on the fast path.
struct AddressSpace {
    let memoryStart: UInt64
    let memoryCount: UInt64
    let stackStart: UInt64

    static let stackCount = UInt64(StackArea.size)

    /// An empty `memory` gives start 0 (R1 = 0), whatever its base address. `stack` is a
    /// ``StackArea`` (R10 starts at ``StackArea/top(base:)``).
    init(memory: UnsafeMutableRawBufferPointer, stack: UnsafeMutableRawBufferPointer) {
        let isEmpty = memory.baseAddress == nil || memory.count == 0
        memoryStart = isEmpty ? 0 : UInt64(UInt(bitPattern: memory.baseAddress))
        memoryCount = isEmpty ? 0 : UInt64(memory.count)
        stackStart = UInt64(UInt(bitPattern: stack.baseAddress))
    }

    /// The host pointer for an access of `size` (1–8) bytes at `address`, or the out-of-bounds trap.
    ///
    /// The fast path is two unsigned range tests (input memory, then stack); `address &- start`
    /// wraps to a huge value for addresses below `start`, so one comparison covers both ends.
    /// They accept exactly what ``MemoryRegion/contains(start:count:address:size:)`` accepts for
    /// these two regions and sizes 1–8 (neither starts at 0 nor wraps); they stay inline because
    /// they run on every access.
    @inline(__always)
    func pointer(
        _ address: UInt64, size: UInt64, pc: Int, isWrite: Bool, regions: inout ReturnedRegions
    ) throws(ExecutionTrap) -> UnsafeMutableRawPointer {
        let memoryOffset = address &- memoryStart
        if memoryOffset < memoryCount && memoryCount &- memoryOffset >= size {
            return UnsafeMutableRawPointer(bitPattern: UInt(address)).unsafelyUnwrapped
        }
        if address &- stackStart <= Self.stackCount &- size {
            return UnsafeMutableRawPointer(bitPattern: UInt(address)).unsafelyUnwrapped
        }
        return try Self.regionPointer(address, size: size, pc: pc, isWrite: isWrite, regions: &regions)
    }

    /// The slow path: helper-returned regions, else the trap. Kept out of line so the fast path
    /// stays small at each of the many load and store sites. The shared region check never
    /// accepts address 0, so the pointer is never null.
    @inline(never)
    static func regionPointer(
        _ address: UInt64, size: UInt64, pc: Int, isWrite: Bool, regions: inout ReturnedRegions
    ) throws(ExecutionTrap) -> UnsafeMutableRawPointer {
        guard regions.contains(address: address, size: size) else {
            throw .outOfBounds(pc: pc, address: address, size: Int(size), isWrite: isWrite)
        }
        return UnsafeMutableRawPointer(bitPattern: UInt(address)).unsafelyUnwrapped
    }

    /// Reads `size` (1, 2 or 4) bytes big-endian at `offset` into the input memory, for the legacy
    /// `ldabs`/`ldind` loads; `nil` when they are not all inside it (the program then returns 0).
    @inline(__always)
    func packetLoad(offset: UInt64, size: UInt64) -> UInt64? {
        guard offset < memoryCount, memoryCount - offset >= size else { return nil }
        let pointer = UnsafeRawPointer(bitPattern: UInt(memoryStart &+ offset)).unsafelyUnwrapped
        switch size {
        case 1: return UInt64(pointer.load(as: UInt8.self))
        case 2: return UInt64(UInt16(bigEndian: pointer.loadUnaligned(as: UInt16.self)))
        default: return UInt64(UInt32(bigEndian: pointer.loadUnaligned(as: UInt32.self)))
        }
    }
}
