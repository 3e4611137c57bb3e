/// The invalid-instruction traps that can be found without running a program, in one place so
/// that every engine raises exactly the same ``ExecutionTrap/invalidInstruction(pc:reason:)``
/// (same pc, same text) for the same program.
///
/// The rules, which engines apply lazily (nothing traps until control gets there):
/// - A slot the decoder would reject (only possible with ``Program/init(unchecked:)``) traps at its
///   own index when control reaches it.
/// - An `lddw` whose `src` is not 0 (a map or address reference) traps at its own index when reached.
/// - A jump (`ja`, `ja32`, a conditional jump) or a `call local` whose target is outside the program
///   or is the second slot of an `lddw` traps at the jump's index when it is taken.
/// - Running past the last slot traps at index `count` (see ``ExecutionTrap/fellOffEnd(programCount:)``).
extension Program {
    /// For each slot, the trap raised when control reaches it (for a jump or `call local`: when it is
    /// taken), or `nil` when the slot executes normally. The second slot of a well-formed `lddw` gets
    /// a trap too, although control can never reach it (jumps into it trap at the jump).
    public func staticTraps() -> [ExecutionTrap?] {
        let slots = instructions
        var traps = [ExecutionTrap?](repeating: nil, count: slots.count)
        // Pass 1: which slots are instructions, which are malformed, which are second halves.
        var isSecondHalf = [Bool](repeating: false, count: slots.count)
        let allValid = (try? Program(validating: slots)) != nil
        var index = 0
        while index < slots.count {
            let slot = slots[index]
            let isWide = slot.opcode == Opcode.lddw
            if !allValid {
                let unit = isWide && index + 1 < slots.count ? [slot, slots[index + 1]] : [slot]
                do throws(DecodeError) {
                    _ = try Program(validating: unit)
                } catch {
                    traps[index] = .invalidInstruction(pc: index, reason: Self.malformedReason(error))
                    index += 1
                    continue
                }
            }
            if isWide {
                if slot.src != LoadImmediateKind.constant.rawValue {
                    traps[index] = .invalidInstruction(
                        pc: index, reason: "lddw with src \(slot.src) (a map or address reference) is not supported")
                }
                isSecondHalf[index + 1] = true
                traps[index + 1] = .invalidInstruction(
                    pc: index + 1, reason: "slot \(index + 1) is the second half of the lddw at \(index)")
                index += 2
            } else {
                index += 1
            }
        }
        // Pass 2: jump and call targets.
        for (index, slot) in slots.enumerated() where traps[index] == nil && !isSecondHalf[index] {
            guard let target = Self.branchTarget(of: slot, at: index) else { continue }
            let what = slot.opcode == Opcode.call ? "call" : "jump"
            if target < 0 || target >= slots.count {
                traps[index] = .invalidInstruction(
                    pc: index, reason: "\(what) target \(target) is outside the program (\(slots.count) slots)")
            } else if isSecondHalf[target] {
                traps[index] = .invalidInstruction(
                    pc: index, reason: "\(what) target \(target) is the second half of an lddw")
            }
        }
        return traps
    }

    /// The slot a well-formed jump or `call local` at `index` transfers control to, or `nil` for
    /// every other instruction (including `exit`, helper calls and `callx`).
    public static func branchTarget(of slot: Instruction, at index: Int) -> Int? {
        let instructionClass = slot.opcode & 0x07
        guard instructionClass == InstructionClass.jmp.rawValue || instructionClass == InstructionClass.jmp32.rawValue
        else { return nil }
        switch slot.opcode {
        case Opcode.ja32:
            return index + 1 + Int(slot.immediate)
        case Opcode.call:
            return slot.src == CallKind.local.rawValue ? index + 1 + Int(slot.immediate) : nil
        case Opcode.callx, Opcode.exit:
            return nil
        default:
            return index + 1 + Int(slot.offset)
        }
    }

    /// A trap reason for a slot the decoder rejects; the slot index is the trap's `pc`, so it is not
    /// repeated here.
    static func malformedReason(_ error: DecodeError) -> String {
        switch error {
        case .truncated:
            "truncated instruction"
        case .unknownOpcode(_, let opcode):
            "unknown opcode 0x\(hex2(opcode))"
        case .reservedField(_, let opcode, let field, let value):
            "opcode 0x\(hex2(opcode)): reserved or invalid \(field.rawValue) field \(value)"
        case .invalidRegister(_, let field, let register):
            "invalid \(field.rawValue) register r\(register)"
        case .missingWideSecondHalf:
            "lddw is missing its second slot"
        case .malformedWideSecondHalf:
            "second slot of lddw must have opcode, registers and offset zero"
        }
    }
}

extension ExecutionTrap {
    /// The trap for running past the last slot of a program of `programCount` slots: its `pc` is
    /// `programCount`, the index control would have executed next.
    public static func fellOffEnd(programCount: Int) -> ExecutionTrap {
        .invalidInstruction(pc: programCount, reason: "execution ran past the last instruction")
    }
}
