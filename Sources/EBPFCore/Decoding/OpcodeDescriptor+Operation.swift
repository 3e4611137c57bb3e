extension OpcodeDescriptor {
    /// The operation of `slot` (at index `pc`, followed by `next` for an `lddw`), which this row
    /// selects and whose fields the decoder has checked. The row's ``form`` says what it does and
    /// its ``shape`` which fields are operands.
    @inlinable
    public func operation(of slot: Instruction, at pc: Int, next: Instruction?) -> DecodedOperation {
        let source: Operand
        switch shape {
        case .dstSource, .compareRegister, .storeRegister: source = .register(slot.src)
        default: source = .immediate(slot.immediate)
        }
        switch form {
        case .alu(let op, let width):
            return .alu(op, width, dst: slot.dst, source: source)
        case .negate(let width):
            return .negate(width, dst: slot.dst)
        case .moveSignExtended(let width, let bits):
            return .moveSignExtended(width, dst: slot.dst, src: slot.src, fromBits: bits)
        case .byteSwap(let swap):
            return .byteSwap(swap, dst: slot.dst)
        case .loadImmediate64:
            let high = UInt64(UInt32(bitPattern: next?.immediate ?? 0)) << 32
            return .loadImmediate64(
                dst: slot.dst, kind: LoadImmediateKind(rawValue: slot.src) ?? .constant,
                value: high | UInt64(UInt32(bitPattern: slot.immediate)))
        case .load(let size, let signExtends):
            return .load(size, dst: slot.dst, base: slot.src, offset: slot.offset, signExtends: signExtends)
        case .store(let size):
            return .store(size, base: slot.dst, offset: slot.offset, value: source)
        case .atomic(let op, let size):
            return .atomic(op, size, base: slot.dst, offset: slot.offset, src: slot.src)
        case .packetLoad(let size, let indirect):
            return .packetLoad(size, index: indirect ? slot.src : nil, immediate: slot.immediate)
        case .jump:
            let displacement = shape == .jumpImmediateOffset ? Int(slot.immediate) : Int(slot.offset)
            return .jump(target: pc + 1 + displacement)
        case .conditionalJump(let condition, let width):
            return .conditionalJump(condition, width, dst: slot.dst, source: source, target: pc + 1 + Int(slot.offset))
        case .callHelper:
            return .callHelper(slot.immediate)
        case .callLocal:
            return .callLocal(target: pc + 1 + Int(slot.immediate))
        case .callRegister:
            return .callRegister(slot.dst)
        case .exit:
            return .exit
        }
    }
}
