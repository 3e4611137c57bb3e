/// A two-operand ALU operation, `dst = dst OP src` (for ``mov``, `dst = src`), with the signed
/// division forms (offset 1 in the encoding) as operators of their own.
public enum BinaryOperator: Sendable, Hashable, CaseIterable, BitwiseCopyable {
    case add, sub, mul
    /// Unsigned division; by zero gives 0.
    case div
    /// Signed division; by zero gives 0, `INT_MIN / -1` gives `INT_MIN`.
    case sdiv
    /// Unsigned modulo; by zero leaves dst unchanged (its low 32 bits, zero-extended, in 32-bit form).
    case mod
    /// Signed modulo; by zero leaves dst unchanged, `INT_MIN % -1` gives 0.
    case smod
    case or, and, xor
    /// Shifts take the count modulo the width.
    case lsh, rsh, arsh
    case mov

    /// Whether the operator is a division or modulo (which the engines guard against zero).
    @inlinable public var isDivision: Bool {
        switch self {
        case .div, .sdiv, .mod, .smod: true
        default: false
        }
    }

    /// Whether the operator is a shift (whose count is masked to the width).
    @inlinable public var isShift: Bool {
        switch self {
        case .lsh, .rsh, .arsh: true
        default: false
        }
    }
}
