import EBPFCore

/// What the lowering needs to know about a program before emitting code: the meaning of each
/// slot, basic-block leaders, jump targets and loop heads, and which
/// eBPF registers are used at all (so unused callee-saved x86 registers are not saved).
struct ProgramAnalysis {
    /// What one 8-byte slot holds.
    enum Slot {
        case instruction(OpcodeDescriptor)
        /// The second slot of an `lddw`.
        case wideSecondHalf
        /// Traps with `staticTraps[pc]` when reached: a slot the decoder rejects (only possible
        /// in programs built with `Program(unchecked:)`), an `lddw` with a map reference, or a
        /// `ja`/`ja32`/`call local` whose target is bad.
        case trap
        /// A conditional jump that traps with `staticTraps[pc]` if taken (its target is bad, or
        /// the slot is malformed) and otherwise falls through, as in the interpreter.
        case conditionalTrap
    }

    let instructions: [Instruction]
    let slots: [Slot]
    /// The operand shape of each `.instruction` slot, nil for the other kinds: what the data-flow
    /// analyses need, without copying descriptors (whose mnemonic is a String) per visit.
    let shapes: [OperandShape?]
    /// ``EBPFCore/Program/staticTraps()`` plus the fell-off-the-end trap at index `count`: the
    /// exact invalid-instruction traps both engines raise. Trap records index this table.
    let staticTraps: [ExecutionTrap?]
    /// `true` where a basic block starts: pc 0, valid jump and call targets, and the instruction
    /// after any jump, call or exit.
    let isLeader: [Bool]
    /// `true` at every valid jump or local-call target: where several paths may meet, so the
    /// budget counter is brought up to date before falling into it.
    let isBranchTarget: [Bool]
    /// `true` at every valid target of a backward jump (target <= the jump's index).
    let isLoopHead: [Bool]
    /// `usesRegister[n]`: eBPF register Rn is read or written somewhere (R0 always counts).
    let usesRegister: [Bool]
    let hasHelperCalls: Bool
    let hasLocalCalls: Bool
    /// Bit n set: Rn may be read before it is written, so the prologue zeroes it
    /// (``RegisterDefinedness``).
    private(set) var registersNeedingZero: UInt16 = 0
    /// Whether the code can form a stack address: only through R10, which local calls move.
    var usesStack: Bool { usesRegister[10] || hasLocalCalls }

    init(_ program: Program) {
        let instructions = program.instructions
        let count = instructions.count
        var traps = program.staticTraps()
        traps.append(.fellOffEnd(programCount: count))
        var slots: [Slot] = []
        slots.reserveCapacity(count)
        var uses = Array(repeating: false, count: 11)
        uses[0] = true
        var hasHelperCalls = false
        var hasLocalCalls = false
        var pc = 0
        while pc < count {
            let instruction = instructions[pc]
            if traps[pc] != nil {
                if Self.isConditionalJump(instruction) {
                    slots.append(.conditionalTrap)
                    uses[Int(instruction.dst)] = true
                    if instruction.opcode & OperandSource.register.rawValue != 0 { uses[Int(instruction.src)] = true }
                } else {
                    slots.append(.trap)
                }
                if instruction.opcode == Opcode.lddw && pc + 1 < count && traps[pc + 1] != nil
                    && (try? Program(validating: [instruction, instructions[pc + 1]])) != nil
                {
                    // The second slot of a well-formed lddw (possibly one whose src is a map
                    // reference). After a malformed lddw the next slot stands on its own, as in
                    // Program.staticTraps: a jump to it must reach it.
                    slots.append(.wideSecondHalf)
                    pc += 2
                } else {
                    pc += 1
                }
                continue
            }
            // Static traps are nil only for slots that decode, so the descriptor exists.
            let descriptor = InstructionSet.descriptor(for: instruction)!
            let shape = descriptor.shape
            if shape.usesDst { uses[Int(instruction.dst)] = true }
            if shape.usesSource { uses[Int(instruction.src)] = true }
            switch shape {
            case .helperCall, .registerCall: hasHelperCalls = true
            case .localCall: hasLocalCalls = true
            default: break
            }
            slots.append(.instruction(descriptor))
            if shape == .dstWideImmediate {
                slots.append(.wideSecondHalf)
                pc += 2
            } else {
                pc += 1
            }
        }
        if hasHelperCalls {
            for n in 0...5 { uses[n] = true }
        }
        self.instructions = instructions
        self.slots = slots
        self.shapes = slots.map { slot in
            if case .instruction(let descriptor) = slot { descriptor.shape } else { nil }
        }
        self.staticTraps = traps

        var leaders = Array(repeating: false, count: count + 1)
        leaders[0] = true
        var targets = Array(repeating: false, count: count + 1)
        var loopHeads = Array(repeating: false, count: count + 1)
        for pc in 0..<count {
            let instruction = instructions[pc]
            switch slots[pc] {
            case .instruction(let descriptor):
                let cls = descriptor.instructionClass
                guard cls == .jmp || cls == .jmp32 else { continue }
                leaders[pc + 1] = true
                if let target = Program.branchTarget(of: instruction, at: pc), Self.isValidTarget(target, in: slots) {
                    leaders[target] = true
                    targets[target] = true
                    if target <= pc && instruction.opcode != Opcode.call { loopHeads[target] = true }
                }
            case .conditionalTrap:
                leaders[pc + 1] = true
            case .trap, .wideSecondHalf:
                continue
            }
        }
        self.isLeader = Array(leaders.prefix(count))
        self.isBranchTarget = Array(targets.prefix(count))
        self.isLoopHead = Array(loopHeads.prefix(count))
        self.usesRegister = uses
        self.hasHelperCalls = hasHelperCalls
        self.hasLocalCalls = hasLocalCalls
        self.registersNeedingZero = RegisterDefinedness(self).needsZero
    }

    /// A conditional jump by its opcode alone (class JMP/JMP32, a compare operation), with
    /// registers the JIT can name; the interpreter evaluates such a slot's condition even when
    /// the slot is malformed. (A malformed one naming R11–R15 traps unconditionally here.)
    static func isConditionalJump(_ instruction: Instruction) -> Bool {
        let cls = instruction.opcode & 0x07
        guard cls == InstructionClass.jmp.rawValue || cls == InstructionClass.jmp32.rawValue,
              let operation = JumpOperation(rawValue: instruction.opcode & 0xf0) else { return false }
        switch operation {
        case .ja, .call, .exit: return false
        default: break
        }
        if instruction.dst > maxRegisterNumber { return false }
        if instruction.opcode & OperandSource.register.rawValue != 0 && instruction.src > maxRegisterNumber { return false }
        // A malformed slot (reserved field set) traps when reached, not only when "taken".
        return (try? Program(validating: [instruction])) != nil
    }

    /// Whether control may be transferred to `target`: inside the program, not an lddw's
    /// second slot. (An invalid instruction there is a valid target; it traps when reached.)
    func isValidTarget(_ target: Int) -> Bool {
        Self.isValidTarget(target, in: slots)
    }

    static func isValidTarget(_ target: Int, in slots: [Slot]) -> Bool {
        guard target >= 0, target < slots.count else { return false }
        if case .wideSecondHalf = slots[target] { return false }
        return true
    }
}
