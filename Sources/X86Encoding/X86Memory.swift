/// A memory operand `[base + index*scale + displacement]`.
///
/// `index` is optional; `rsp` cannot be an index (its encoding means "no index").
public struct X86Memory: Sendable, Hashable {
    public var base: X86Register
    public var index: X86Register?
    /// 1, 2, 4 or 8.
    public var scale: UInt8
    public var displacement: Int32

    /// `[base + displacement]`.
    public init(base: X86Register, displacement: Int32 = 0) {
        self.base = base
        self.index = nil
        self.scale = 1
        self.displacement = displacement
    }

    /// `[base + index*scale + displacement]`; `index` must not be `rsp`.
    public init(base: X86Register, index: X86Register, scale: UInt8, displacement: Int32 = 0) {
        precondition(index != .rsp, "rsp cannot be an index register")
        precondition([1, 2, 4, 8].contains(scale), "scale must be 1, 2, 4 or 8")
        self.base = base
        self.index = index
        self.scale = scale
        self.displacement = displacement
    }
}

/// Shorthand for `X86Memory(base:displacement:)`: `.at(.rbp, -8)`.
extension X86Memory {
    @inlinable public static func at(_ base: X86Register, _ displacement: Int32 = 0) -> X86Memory {
        X86Memory(base: base, displacement: displacement)
    }
}
