/// The size of an operation's operands.
public enum OperandWidth: Int, Sendable, CaseIterable, Hashable {
    case bits8 = 8, bits16 = 16, bits32 = 32, bits64 = 64

    /// The width in bytes.
    @inlinable public var byteCount: Int { rawValue / 8 }

    /// The width whose byte count is `byteCount` (1, 2, 4 or 8).
    @inlinable public init?(byteCount: Int) {
        self.init(rawValue: byteCount * 8)
    }
}
