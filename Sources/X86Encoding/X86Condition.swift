/// An x86 condition code, as encoded in the low nibble of `jcc` (0x70+cc / 0x0f 0x80+cc) and `setcc`.
public enum X86Condition: UInt8, Sendable, CaseIterable, Hashable {
    case overflow = 0x0, notOverflow = 0x1
    /// Unsigned `<` (carry set).
    case below = 0x2
    /// Unsigned `>=`.
    case aboveOrEqual = 0x3
    case equal = 0x4, notEqual = 0x5
    /// Unsigned `<=`.
    case belowOrEqual = 0x6
    /// Unsigned `>`.
    case above = 0x7
    case sign = 0x8, notSign = 0x9, parity = 0xa, notParity = 0xb
    /// Signed `<`.
    case less = 0xc
    /// Signed `>=`.
    case greaterOrEqual = 0xd
    /// Signed `<=`.
    case lessOrEqual = 0xe
    /// Signed `>`.
    case greater = 0xf

    /// The condition that holds exactly when this one does not (flip the low bit).
    @inlinable public var negated: X86Condition { X86Condition(rawValue: rawValue ^ 1)! }
}
