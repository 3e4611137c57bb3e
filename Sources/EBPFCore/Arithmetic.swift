/// The ALU rules that are more than one Swift operator: division and remainder with their
/// divide-by-zero and overflow conventions, and arithmetic shifts.
///
/// One definition shared by every stage that computes eBPF values: the interpreter executes with
/// it and the verifier folds constants with it, so they cannot disagree on an edge case.
///
/// Every function is `@inlinable @inline(__always)`: the interpreter's dispatch switch (another
/// module) calls them with operands already in registers, and inlining keeps each opcode's case a
/// few instructions long.
/// Names ending in `32` take and return the low 32 bits; callers zero-extend the result, which is
/// how every ALU (32-bit) operation clears the upper half of the destination.
public enum Arithmetic {
    // MARK: 64-bit

    /// `div`: unsigned; a zero divisor gives 0.
    @inlinable @inline(__always)
    public static func divide64(_ dividend: UInt64, _ divisor: UInt64) -> UInt64 {
        divisor == 0 ? 0 : dividend / divisor
    }

    /// `mod`: unsigned; a zero divisor leaves the dividend unchanged.
    @inlinable @inline(__always)
    public static func remainder64(_ dividend: UInt64, _ divisor: UInt64) -> UInt64 {
        divisor == 0 ? dividend : dividend % divisor
    }

    /// `sdiv`: signed, truncating; a zero divisor gives 0 and `INT64_MIN / -1` gives `INT64_MIN`
    /// (the one quotient that does not fit, and the one a hardware divide would fault on).
    @inlinable @inline(__always)
    public static func signedDivide64(_ dividend: UInt64, _ divisor: UInt64) -> UInt64 {
        let a = Int64(bitPattern: dividend), b = Int64(bitPattern: divisor)
        if b == 0 { return 0 }
        if b == -1 { return 0 &- dividend }  // wraps INT64_MIN to itself
        return UInt64(bitPattern: a / b)
    }

    /// `smod`: signed, the result takes the dividend's sign; a zero divisor leaves the dividend
    /// unchanged and `INT64_MIN % -1` is 0.
    @inlinable @inline(__always)
    public static func signedRemainder64(_ dividend: UInt64, _ divisor: UInt64) -> UInt64 {
        let a = Int64(bitPattern: dividend), b = Int64(bitPattern: divisor)
        if b == 0 { return dividend }
        if b == -1 { return 0 }
        return UInt64(bitPattern: a % b)
    }

    /// `arsh`: arithmetic shift right by `count & 63`.
    @inlinable @inline(__always)
    public static func arithmeticShiftRight64(_ value: UInt64, _ count: UInt64) -> UInt64 {
        UInt64(bitPattern: Int64(bitPattern: value) &>> Int64(count & 63))
    }

    // MARK: 32-bit (the low halves of the operands)

    @inlinable @inline(__always)
    public static func divide32(_ dividend: UInt32, _ divisor: UInt32) -> UInt32 {
        divisor == 0 ? 0 : dividend / divisor
    }

    @inlinable @inline(__always)
    public static func remainder32(_ dividend: UInt32, _ divisor: UInt32) -> UInt32 {
        divisor == 0 ? dividend : dividend % divisor
    }

    @inlinable @inline(__always)
    public static func signedDivide32(_ dividend: UInt32, _ divisor: UInt32) -> UInt32 {
        let a = Int32(bitPattern: dividend), b = Int32(bitPattern: divisor)
        if b == 0 { return 0 }
        if b == -1 { return 0 &- dividend }
        return UInt32(bitPattern: a / b)
    }

    @inlinable @inline(__always)
    public static func signedRemainder32(_ dividend: UInt32, _ divisor: UInt32) -> UInt32 {
        let a = Int32(bitPattern: dividend), b = Int32(bitPattern: divisor)
        if b == 0 { return dividend }
        if b == -1 { return 0 }
        return UInt32(bitPattern: a % b)
    }

    @inlinable @inline(__always)
    public static func arithmeticShiftRight32(_ value: UInt32, _ count: UInt32) -> UInt32 {
        UInt32(bitPattern: Int32(bitPattern: value) &>> Int32(bitPattern: count & 31))
    }
}
