import EBPFCore

/// Superinstructions: pairs of adjacent slots that one dispatch runs together.
///
/// The dispatch loop's cost is dominated by its one indirect jump (hard to predict: every
/// operation goes through the same jump), so running two slots per dispatch saves most of one
/// slot's cost. Compilers emit `mov rD, rS` followed by an ALU64 operation on `rD` for every
/// three-operand expression (`a = b + c`, `x = y >> 7`), the most common adjacent pair in the
/// benchmark programs.
///
/// Pairs are found on the decoded program (``DecodedOperation/alu(_:_:dst:source:)`` patterns),
/// never on opcode bits.
///
/// Exactness: a fused pair does exactly what the two slots do one after the other and counts two
/// executed instructions. Neither half can trap or check the budget (ALU operations never
/// trap), so trap pcs and counts cannot differ. The second slot keeps its own operation, so a
/// jump to it runs it alone as before.
///
/// Encoding of a fused slot (the first of the pair): `registers` as the `mov` (`dst` is the
/// destination of both), `immediate` the second slot's immediate, `offset` the second slot's
/// `src` register (a plain `mov` has offset 0 and immediate 0, so nothing is lost).
extension DispatchSlot {
    /// The superinstruction running `mov rD, rS` and then `rD = rD OP source` (64-bit), if there
    /// is one.
    static func fusedAfterMove(_ op: BinaryOperator, source: Operand) -> DispatchOperation? {
        switch (op, source) {
        case (.add, .immediate): .movAddImm
        case (.add, .register): .movAddReg
        case (.sub, .register): .movSubReg
        case (.mul, .immediate): .movMulImm
        case (.and, .immediate): .movAndImm
        case (.or, .register): .movOrReg
        case (.xor, .register): .movXorReg
        case (.lsh, .immediate): .movLshImm
        case (.rsh, .immediate): .movRshImm
        case (.arsh, .immediate): .movArshImm
        default: nil
        }
    }

    /// Replaces the first slot of each fusable pair of `program` by its superinstruction. `slots`
    /// are ``slots(of:)`` of `program`; only slots holding a 64-bit `mov rD, rS` followed by a
    /// fusable ALU64 operation on the same rD change.
    static func fusePairs(in slots: inout [DispatchSlot], of program: DecodedProgram) {
        guard program.count >= 2 else { return }
        for index in 0..<(program.count - 1) {
            guard case .alu(.mov, .bits64, let dst, .register(let src))? = program[index],
                case .alu(let op, .bits64, let secondDst, let source)? = program[index + 1], secondDst == dst,
                let fused = fusedAfterMove(op, source: source),
                program.staticTraps[index] == nil, program.staticTraps[index + 1] == nil
            else { continue }
            slots[index] = switch source {
            case .register(let operand): DispatchSlot(fused, dst: dst, src: src, offset: Int16(operand))
            case .immediate(let value): DispatchSlot(fused, dst: dst, src: src, immediate: value)
            }
        }
    }
}
