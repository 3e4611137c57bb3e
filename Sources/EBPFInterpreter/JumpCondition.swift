import EBPFCore

/// Evaluates a conditional jump from its fields. The dispatch loop has one inline case per jump
/// opcode; this general form is only for the cold path of a conditional jump whose target is bad
/// (it traps only if taken).
enum JumpCondition {
    @inline(never)
    static func holds(_ jump: Instruction, registers: InlineArray<16, UInt64>) -> Bool {
        let is32 = jump.opcode & 0x07 == InstructionClass.jmp32.rawValue
        let usesRegister = jump.opcode & OperandSource.register.rawValue != 0
        var lhs = registers[Int(jump.dst)]
        var rhs = usesRegister ? registers[Int(jump.src)] : UInt64(bitPattern: Int64(jump.immediate))
        if is32 {
            // Compare the low halves; sign-extend them so the signed tests below see 32-bit values.
            lhs = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: lhs)))
            rhs = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: rhs)))
        }
        let (unsignedLHS, unsignedRHS) = is32 ? (lhs & 0xffff_ffff, rhs & 0xffff_ffff) : (lhs, rhs)
        let (signedLHS, signedRHS) = (Int64(bitPattern: lhs), Int64(bitPattern: rhs))
        switch JumpOperation(rawValue: jump.opcode & 0xf0) {
        case .ja: return true
        case .jeq: return unsignedLHS == unsignedRHS
        case .jne: return unsignedLHS != unsignedRHS
        case .jgt: return unsignedLHS > unsignedRHS
        case .jge: return unsignedLHS >= unsignedRHS
        case .jlt: return unsignedLHS < unsignedRHS
        case .jle: return unsignedLHS <= unsignedRHS
        case .jset: return unsignedLHS & unsignedRHS != 0
        case .jsgt: return signedLHS > signedRHS
        case .jsge: return signedLHS >= signedRHS
        case .jslt: return signedLHS < signedRHS
        case .jsle: return signedLHS <= signedRHS
        case .call, .exit, nil: return true
        }
    }
}
