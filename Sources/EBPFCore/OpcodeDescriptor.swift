/// One row of the instruction table: an opcode byte plus the field values that select this
/// meaning of it, its mnemonic and its operand shape.
///
/// Several rows can share an opcode byte: `div`/`sdiv` differ by offset, `le16`/`le32`/`le64` by
/// immediate, the atomics by immediate, `call`/`call local` by src.
public struct OpcodeDescriptor: Sendable, Hashable {
    /// The mnemonic in the conformance corpus syntax, e.g. `add32`, `ldxdw`, `lock fetch add`.
    public let mnemonic: String
    public let opcode: UInt8
    public let shape: OperandShape
    /// The offset value that selects this row, when the offset is not an operand.
    public let fixedOffset: Int16
    /// The immediate value that selects this row, when the immediate is not an operand.
    public let fixedImmediate: Int32
    /// The src value that selects this row, when src is not an operand.
    public let fixedSource: UInt8
    /// What the row does, without its operands (see ``operation(of:at:next:)``).
    public let form: InstructionForm

    public init(
        _ mnemonic: String, _ opcode: UInt8, _ shape: OperandShape, _ form: InstructionForm,
        offset: Int16 = 0, immediate: Int32 = 0, source: UInt8 = 0
    ) {
        self.form = form
        self.mnemonic = mnemonic
        self.opcode = opcode
        self.shape = shape
        self.fixedOffset = offset
        self.fixedImmediate = immediate
        self.fixedSource = source
    }

    /// The instruction class of the opcode.
    public var instructionClass: InstructionClass { InstructionClass(rawValue: opcode & 7)! }

    /// Whether `instruction`'s non-operand fields hold the values that select this row.
    public func selects(_ instruction: Instruction) -> Bool {
        guard instruction.opcode == opcode else { return false }
        if !shape.usesOffset && instruction.offset != fixedOffset { return false }
        if !shape.usesImmediate && instruction.immediate != fixedImmediate { return false }
        if !shape.usesSource && shape != .dstWideImmediate && instruction.src != fixedSource { return false }
        return true
    }
}
