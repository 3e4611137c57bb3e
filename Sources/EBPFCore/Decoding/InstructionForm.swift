/// The meaning of one row of the instruction table without its operands: which
/// ``DecodedOperation`` a slot selected by the row decodes to. The table
/// (``InstructionSet/descriptors``) gives every row its form, so the decoder has no second
/// table of opcode bits.
public enum InstructionForm: Sendable, Hashable {
    case alu(BinaryOperator, ALUWidth)
    case negate(ALUWidth)
    case moveSignExtended(ALUWidth, fromBits: Int)
    case byteSwap(ByteSwap)
    case loadImmediate64
    case load(MemorySize, signExtends: Bool)
    case store(MemorySize)
    case atomic(AtomicOperation, MemorySize)
    case packetLoad(MemorySize, indirect: Bool)
    case jump
    case conditionalJump(BranchCondition, ALUWidth)
    case callHelper
    case callLocal
    case callRegister
    case exit
}
