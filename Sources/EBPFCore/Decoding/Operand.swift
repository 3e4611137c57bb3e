/// The second operand of an ALU operation, a store or a conditional jump: a register (the `X`
/// forms) or the instruction's 32-bit immediate (the `K` forms).
public enum Operand: Sendable, Hashable, BitwiseCopyable {
    /// Register `Rn`, 0–10.
    case register(UInt8)
    /// The sign-extended immediate of the instruction.
    case immediate(Int32)

    /// The register, when the operand is one.
    @inlinable public var register: UInt8? {
        if case .register(let number) = self { number } else { nil }
    }
}
