/// The new memory value of each atomic read-modify-write (`0xc3` 32-bit, `0xdb` 64-bit).
///
/// Aligned atomics are atomic across threads (see `AtomicUpdate+Memory.swift`), as programs
/// sharing maps need; a misaligned one is a plain load and store.
enum AtomicUpdate {
    case add, or, and, xor, exchange, compareExchange

    /// The value to store over `old`. `operand` is src; `expected` is R0, for `cmpxchg`, which
    /// stores `operand` only when `old` equals it.
    @inline(__always)
    func newValue<T: FixedWidthInteger>(old: T, operand: T, expected: T) -> T {
        switch self {
        case .add: old &+ operand
        case .or: old | operand
        case .and: old & operand
        case .xor: old ^ operand
        case .exchange: operand
        case .compareExchange: old == expected ? operand : old
        }
    }
}
