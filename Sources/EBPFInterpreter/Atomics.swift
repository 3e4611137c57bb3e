/// The atomic read-modify-write instructions (`0xc3` 32-bit, `0xdb` 64-bit), operation in the
/// immediate. Implemented as plain loads and stores: one run executes on one thread, and the
/// interpreter does not promise atomicity against other threads sharing the memory.
enum Atomics {
    /// Immediate bit that makes an operation return the old value in `src`.
    static let fetch: Int32 = 0x01
    static let add: Int32 = 0x00, or: Int32 = 0x40, and: Int32 = 0x50, xor: Int32 = 0xa0
    static let xchg: Int32 = 0xe1
    static let cmpxchg: Int32 = 0xf1

    /// Applies `operation` to the 8 bytes at `pointer` and returns the old value. `expected` is R0,
    /// used by `cmpxchg` (store `operand` only if the old value equals it).
    @inline(__always)
    static func apply64(_ operation: Int32, at pointer: UnsafeMutableRawPointer, operand: UInt64, expected: UInt64) -> UInt64 {
        let old = pointer.loadUnaligned(as: UInt64.self)
        let new: UInt64
        switch operation & ~fetch {
        case add: new = old &+ operand
        case or: new = old | operand
        case and: new = old & operand
        case xor: new = old ^ operand
        case xchg & ~fetch: new = operand
        case cmpxchg & ~fetch: new = old == expected ? operand : old
        default: new = old  // the decoder admits no other operation
        }
        pointer.storeBytes(of: new, as: UInt64.self)
        return old
    }

    /// The 32-bit form of ``apply64(_:at:operand:expected:)``: operands are the low halves; the
    /// caller zero-extends the returned old value.
    @inline(__always)
    static func apply32(_ operation: Int32, at pointer: UnsafeMutableRawPointer, operand: UInt32, expected: UInt32) -> UInt32 {
        let old = pointer.loadUnaligned(as: UInt32.self)
        let new: UInt32
        switch operation & ~fetch {
        case add: new = old &+ operand
        case or: new = old | operand
        case and: new = old & operand
        case xor: new = old ^ operand
        case xchg & ~fetch: new = operand
        case cmpxchg & ~fetch: new = old == expected ? operand : old
        default: new = old
        }
        pointer.storeBytes(of: new, as: UInt32.self)
        return old
    }
}
