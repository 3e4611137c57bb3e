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
    /// taken), or `nil` when the slot executes normally: ``DecodedProgram/staticTraps``.
    public func staticTraps() -> [ExecutionTrap?] { decoded.staticTraps }

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
}
