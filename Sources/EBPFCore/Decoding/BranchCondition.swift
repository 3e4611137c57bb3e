/// The comparison of a conditional jump. `u`-less names compare unsigned, `s` names signed;
/// ``set`` tests `dst & src != 0`.
public enum BranchCondition: Sendable, Hashable, CaseIterable, BitwiseCopyable {
    case eq, ne, set
    case gt, ge, lt, le
    case sgt, sge, slt, sle

    /// Whether `lhs OP rhs` holds for two values already truncated to the compared width and,
    /// for the signed comparisons, sign-extended from it.
    @inlinable public func holds(unsigned lhs: UInt64, _ rhs: UInt64) -> Bool {
        let (signedLHS, signedRHS) = (Int64(bitPattern: lhs), Int64(bitPattern: rhs))
        switch self {
        case .eq: return lhs == rhs
        case .ne: return lhs != rhs
        case .set: return lhs & rhs != 0
        case .gt: return lhs > rhs
        case .ge: return lhs >= rhs
        case .lt: return lhs < rhs
        case .le: return lhs <= rhs
        case .sgt: return signedLHS > signedRHS
        case .sge: return signedLHS >= signedRHS
        case .slt: return signedLHS < signedRHS
        case .sle: return signedLHS <= signedRHS
        }
    }

    /// Whether `lhs OP rhs` holds when the jump compares at `width` (the 32-bit forms look at the
    /// low halves only).
    @inlinable public func holds(_ lhs: UInt64, _ rhs: UInt64, width: ALUWidth) -> Bool {
        guard width == .bits32 else { return holds(unsigned: lhs, rhs) }
        if isSigned {
            return holds(
                unsigned: UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: lhs))),
                UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: rhs))))
        }
        return holds(unsigned: lhs & 0xffff_ffff, rhs & 0xffff_ffff)
    }

    /// Whether the comparison is signed.
    @inlinable public var isSigned: Bool {
        switch self {
        case .sgt, .sge, .slt, .sle: true
        default: false
        }
    }

    /// The condition that holds exactly when this one does not (`jeq` ↔ `jne`, `jgt` ↔ `jle`, …);
    /// `nil` for ``set``, whose negation is no jump of the instruction set.
    public var negated: BranchCondition? {
        switch self {
        case .eq: .ne
        case .ne: .eq
        case .set: nil
        case .gt: .le
        case .ge: .lt
        case .lt: .ge
        case .le: .gt
        case .sgt: .sle
        case .sge: .slt
        case .slt: .sge
        case .sle: .sgt
        }
    }

    /// The condition with its operands swapped (`a > b` ⇔ `b < a`).
    public var swapped: BranchCondition {
        switch self {
        case .eq, .ne, .set: self
        case .gt: .lt
        case .ge: .le
        case .lt: .gt
        case .le: .ge
        case .sgt: .slt
        case .sge: .sle
        case .slt: .sgt
        case .sle: .sge
        }
    }
}
