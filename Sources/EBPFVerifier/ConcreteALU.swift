import EBPFCore

/// Exact ALU semantics (RFC 9669 plus the project's division-by-zero rules) for operands the
/// verifier knows exactly, so constants fold to the value the engines compute.
enum ConcreteALU {
    static func binary(_ op: ALUOperation, isSigned: Bool, is32: Bool, _ x: UInt64, _ y: UInt64) -> UInt64 {
        if is32 {
            let a = UInt32(truncatingIfNeeded: x)
            let b = UInt32(truncatingIfNeeded: y)
            return UInt64(binary32(op, isSigned: isSigned, a, b))
        }
        return binary64(op, isSigned: isSigned, x, y)
    }

    private static func binary64(_ op: ALUOperation, isSigned: Bool, _ a: UInt64, _ b: UInt64) -> UInt64 {
        let sa = Int64(bitPattern: a)
        let sb = Int64(bitPattern: b)
        switch op {
        case .add: return a &+ b
        case .sub: return a &- b
        case .mul: return a &* b
        case .div:
            if b == 0 { return 0 }
            if isSigned {
                if sa == .min && sb == -1 { return a }
                return UInt64(bitPattern: sa / sb)
            }
            return a / b
        case .mod:
            if b == 0 { return a }
            if isSigned {
                if sa == .min && sb == -1 { return 0 }
                return UInt64(bitPattern: sa % sb)
            }
            return a % b
        case .or: return a | b
        case .and: return a & b
        case .xor: return a ^ b
        case .lsh: return a << (b & 63)
        case .rsh: return a >> (b & 63)
        case .arsh: return UInt64(bitPattern: sa >> Int64(b & 63))
        case .mov: return b
        case .neg: return 0 &- a
        case .end: return a
        }
    }

    private static func binary32(_ op: ALUOperation, isSigned: Bool, _ a: UInt32, _ b: UInt32) -> UInt32 {
        let sa = Int32(bitPattern: a)
        let sb = Int32(bitPattern: b)
        switch op {
        case .add: return a &+ b
        case .sub: return a &- b
        case .mul: return a &* b
        case .div:
            if b == 0 { return 0 }
            if isSigned {
                if sa == .min && sb == -1 { return a }
                return UInt32(bitPattern: sa / sb)
            }
            return a / b
        case .mod:
            if b == 0 { return a }
            if isSigned {
                if sa == .min && sb == -1 { return 0 }
                return UInt32(bitPattern: sa % sb)
            }
            return a % b
        case .or: return a | b
        case .and: return a & b
        case .xor: return a ^ b
        case .lsh: return a << (b & 31)
        case .rsh: return a >> (b & 31)
        case .arsh: return UInt32(bitPattern: sa >> Int32(b & 31))
        case .mov: return b
        case .neg: return 0 &- a
        case .end: return a
        }
    }
}
