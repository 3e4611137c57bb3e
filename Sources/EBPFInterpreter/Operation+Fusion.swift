/// Superinstructions: pairs of adjacent slots that one dispatch runs together.
///
/// The dispatch loop's cost is dominated by its one indirect jump (hard to predict: every
/// operation goes through the same jump), so running two slots per dispatch saves most of one
/// slot's cost. Compilers emit `mov rD, rS` followed by an ALU64 operation on `rD` for every
/// three-operand expression (`a = b + c`, `x = y >> 7`), the most common adjacent pair in the
/// benchmark programs.
///
/// Exactness: a fused pair does exactly what the two slots do one after the other and counts two
/// executed instructions. Neither half can trap or check the budget (ALU operations never
/// trap), so trap pcs and counts cannot differ. The second slot keeps its own operation, so a
/// jump to it runs it alone as before.
///
/// Encoding of a fused slot (the first of the pair): `registers` as the `mov` (`dst` is the
/// destination of both), `immediate` the second slot's immediate, `offset` the second slot's
/// `src` register (a plain `mov` has offset 0 and immediate 0, so nothing is lost).
extension Operation {
    /// The fused form of `mov rD, rS` followed by `self` on `rD`, if there is one.
    var fusedAfterMove: Operation? {
        switch self {
        case .addImm: .movAddImm
        case .addReg: .movAddReg
        case .subReg: .movSubReg
        case .mulImm: .movMulImm
        case .andImm: .movAndImm
        case .orReg: .movOrReg
        case .xorReg: .movXorReg
        case .lshImm: .movLshImm
        case .rshImm: .movRshImm
        case .arshImm: .movArshImm
        default: nil
        }
    }

    /// Replaces each fusable pair's first slot by its superinstruction. `slots` are the decoded
    /// slots (markers included); only runnable `mov` + ALU pairs change.
    static func fusePairs(in slots: inout [DecodedInstruction]) {
        guard slots.count >= 2 else { return }
        for index in 0..<(slots.count - 1) {
            let first = slots[index], second = slots[index + 1]
            guard first.operation == .movReg, let fused = second.operation.fusedAfterMove,
                second.registers & 0x0f == first.registers & 0x0f
            else { continue }
            slots[index] = DecodedInstruction(
                operation: fused, registers: first.registers, offset: Int16(second.registers >> 4),
                immediate: second.immediate)
        }
    }
}
