import EBPFCore

/// Arithmetic statements: every ALU and ALU64 operation with immediate and register operands.
extension FunctionBuilder {
    /// The binary operations, with the offset that selects the signed forms (`sdiv`, `smod`).
    static let binaryOperations: [(operation: ALUOperation, offset: Int16)] = [
        (.add, 0), (.sub, 0), (.mul, 0), (.div, 0), (.div, 1), (.or, 0), (.and, 0), (.lsh, 0),
        (.rsh, 0), (.arsh, 0), (.mod, 0), (.mod, 1), (.xor, 0), (.mov, 0),
    ]

    mutating func emitALU() {
        let dst = randomWritable()
        if !state.defined.contains(dst) || rng.chance(1, in: 10) {
            emitDefinition(of: dst)
            return
        }
        let wide = rng.chance(1, in: 2)
        let cls: InstructionClass = wide ? .alu64 : .alu
        switch rng.below(24) {
        case 0..<17:
            let (operation, offset) = rng.element(of: Self.binaryOperations)
            let opcode = cls.rawValue | operation.rawValue
            if rng.chance(1, in: 2), let src = randomReadable() {
                emit(Instruction(opcode: opcode | OperandSource.register.rawValue, dst: dst, src: src, offset: offset))
            } else {
                let immediate: Int32
                switch operation {
                case .lsh, .rsh, .arsh: immediate = shiftImmediate(width: wide ? 64 : 32)
                case .div, .mod: immediate = divisorImmediate()
                default: immediate = randomImmediate()
                }
                emit(Instruction(opcode: opcode, dst: dst, offset: offset, immediate: immediate))
            }
        case 17..<19:
            emit(Instruction(opcode: cls.rawValue | ALUOperation.neg.rawValue, dst: dst))
        case 19..<21:
            let src = readableOrDefine()
            let bits: Int16 = rng.element(of: wide ? [8, 16, 32] : [8, 16])
            emit(Instruction(opcode: cls.rawValue | ALUOperation.mov.rawValue | OperandSource.register.rawValue, dst: dst, src: src, offset: bits))
        default:
            // 0xd4 le, 0xdc be (ALU class), 0xd7 bswap (ALU64 class).
            let opcode = rng.element(of: [UInt8(0xd4), 0xdc, 0xd7])
            emit(Instruction(opcode: opcode, dst: dst, immediate: rng.element(of: [16, 32, 64])))
        }
        define(dst)
    }

    mutating func emitWideConstant() {
        emitWide(dst: randomWritable(), randomConstant())
    }
}
