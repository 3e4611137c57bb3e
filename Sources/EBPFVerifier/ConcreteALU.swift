import EBPFCore

/// Exact ALU semantics (RFC 9669 plus the project's division-by-zero rules) for operands the
/// verifier knows exactly, so constants fold to the value the engines compute; division,
/// remainder and arithmetic shifts come from ``EBPFCore/Arithmetic``, the interpreter's own.
enum ConcreteALU {
    static func binary(_ op: BinaryOperator, is32: Bool, _ x: UInt64, _ y: UInt64) -> UInt64 {
        if is32 {
            let a = UInt32(truncatingIfNeeded: x)
            let b = UInt32(truncatingIfNeeded: y)
            return UInt64(binary32(op, a, b))
        }
        return binary64(op, x, y)
    }

    private static func binary64(_ op: BinaryOperator, _ a: UInt64, _ b: UInt64) -> UInt64 {
        switch op {
        case .add: return a &+ b
        case .sub: return a &- b
        case .mul: return a &* b
        case .div: return Arithmetic.divide64(a, b)
        case .sdiv: return Arithmetic.signedDivide64(a, b)
        case .mod: return Arithmetic.remainder64(a, b)
        case .smod: return Arithmetic.signedRemainder64(a, b)
        case .or: return a | b
        case .and: return a & b
        case .xor: return a ^ b
        case .lsh: return a << (b & 63)
        case .rsh: return a >> (b & 63)
        case .arsh: return Arithmetic.arithmeticShiftRight64(a, b)
        case .mov: return b
        }
    }

    private static func binary32(_ op: BinaryOperator, _ a: UInt32, _ b: UInt32) -> UInt32 {
        switch op {
        case .add: return a &+ b
        case .sub: return a &- b
        case .mul: return a &* b
        case .div: return Arithmetic.divide32(a, b)
        case .sdiv: return Arithmetic.signedDivide32(a, b)
        case .mod: return Arithmetic.remainder32(a, b)
        case .smod: return Arithmetic.signedRemainder32(a, b)
        case .or: return a | b
        case .and: return a & b
        case .xor: return a ^ b
        case .lsh: return a << (b & 31)
        case .rsh: return a >> (b & 31)
        case .arsh: return Arithmetic.arithmeticShiftRight32(a, b)
        case .mov: return b
        }
    }
}
