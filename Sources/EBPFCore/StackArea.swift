/// The stack area of one run, the same for both engines and the runtime: ``size`` bytes,
/// R10 at entry points just past its last byte (``top(base:)``), and programs may touch exactly
/// ``region(base:)``.
///
/// A value of this type is a zero-filled area as a plain local: ``withZeroFilled(_:)`` puts it in
/// the caller's stack frame, where `withUnsafeTemporaryAllocation` would use the heap for 4 KiB
/// on Linux. Callers that pass their own area to ``ProgramRunner/run(memory:stack:)`` check it
/// with ``precondition(holds:)``.
public struct StackArea {
    /// Bytes in the area: ``ExecutionLimits/stackSize``.
    @inlinable
    public static var size: Int { ExecutionLimits.stackSize }

    /// 8-byte words so the area is 8-byte aligned, as R10-relative 8-byte accesses expect.
    @usableFromInline
    var words = InlineArray<512, UInt64>(repeating: 0)

    /// A zero-filled area.
    @inlinable
    public init() {}

    /// Runs `body` with a zero-filled area in this frame (no heap allocation). The area is
    /// valid only inside `body`.
    @inlinable
    public static func withZeroFilled<Result, Failure: Error>(
        _ body: (UnsafeMutableRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        var area = StackArea()
        return try withUnsafeMutableBytes(of: &area) { (bytes) throws(Failure) -> Result in try body(bytes) }
    }

    /// Stops the process unless `stack`, an area a caller passed in, holds ``size`` bytes.
    @inlinable
    public static func precondition(holds stack: UnsafeMutableRawBufferPointer) {
        Swift.precondition(
            stack.baseAddress != nil && stack.count >= size,
            "the stack area must hold ExecutionLimits.stackSize (\(size)) bytes")
    }

    /// R10 at entry for the area whose lowest byte is at `base`.
    @inlinable
    public static func top(base: UInt64) -> UInt64 {
        base &+ UInt64(size)
    }

    /// The bytes programs may touch in the area whose lowest byte is at `base`; empty when
    /// `base` is 0, which a run without a stack area (JIT code that never forms a stack
    /// address) uses.
    @inlinable
    public static func region(base: UInt64) -> MemoryRegion {
        MemoryRegion(start: base, count: base == 0 ? 0 : UInt64(size))
    }
}
