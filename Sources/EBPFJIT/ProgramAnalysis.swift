import EBPFCore

/// What the lowering needs to know about a program before emitting code: the meaning of each
/// slot, jump targets, basic-block leaders and lengths (for the instruction budget), and which
/// eBPF registers are used at all (so unused callee-saved x86 registers are not saved).
struct ProgramAnalysis {
    /// What one 8-byte slot holds.
    enum Slot {
        case instruction(OpcodeDescriptor)
        /// The second slot of an `lddw`.
        case wideSecondHalf
        /// Cannot execute (only possible in programs built with `Program(unchecked:)`).
        case invalid(InvalidInstructionReason)
    }

    let instructions: [Instruction]
    let slots: [Slot]
    /// `true` where a basic block starts: pc 0, jump and call targets, and the instruction after
    /// any jump, call or exit.
    let isLeader: [Bool]
    /// At each leader, the number of instructions (an `lddw` counts once) up to the next leader.
    let blockLength: [Int]
    /// `usesRegister[n]`: eBPF register Rn is read or written somewhere (R0 always counts).
    let usesRegister: [Bool]
    let hasHelperCalls: Bool
    let hasLocalCalls: Bool

    init(_ program: Program) {
        let instructions = program.instructions
        let count = instructions.count
        var slots: [Slot] = []
        slots.reserveCapacity(count)
        var uses = Array(repeating: false, count: 11)
        uses[0] = true
        var hasHelperCalls = false
        var hasLocalCalls = false
        var pc = 0
        while pc < count {
            let instruction = instructions[pc]
            guard let descriptor = InstructionSet.descriptor(for: instruction) else {
                slots.append(.invalid(.unknownOpcode))
                pc += 1
                continue
            }
            let shape = descriptor.shape
            if (shape.usesDst && instruction.dst > maxRegisterNumber) || (shape.usesSource && instruction.src > maxRegisterNumber) {
                slots.append(.invalid(.invalidRegister))
                pc += 1
                continue
            }
            if shape.usesDst { uses[Int(instruction.dst)] = true }
            if shape.usesSource { uses[Int(instruction.src)] = true }
            switch shape {
            case .helperCall, .registerCall: hasHelperCalls = true
            case .localCall: hasLocalCalls = true
            default: break
            }
            if shape == .dstWideImmediate {
                guard pc + 1 < count else {
                    slots.append(.invalid(.unknownOpcode))
                    pc += 1
                    continue
                }
                slots.append(.instruction(descriptor))
                slots.append(.wideSecondHalf)
                pc += 2
            } else {
                slots.append(.instruction(descriptor))
                pc += 1
            }
        }
        if hasHelperCalls {
            for n in 0...5 { uses[n] = true }
        }

        var leaders = Array(repeating: false, count: count + 1)
        leaders[0] = true
        for pc in 0..<count {
            guard case .instruction(let descriptor) = slots[pc] else { continue }
            let cls = descriptor.instructionClass
            guard cls == .jmp || cls == .jmp32 else { continue }
            leaders[pc + 1] = true
            if let target = Self.branchTarget(instructions[pc], descriptor: descriptor, at: pc),
               target >= 0, target < count, case .instruction = slots[target] {
                leaders[target] = true
            }
        }
        var lengths = Array(repeating: 0, count: count)
        var currentLeader = 0
        for pc in 0..<count {
            if leaders[pc] { currentLeader = pc }
            if case .wideSecondHalf = slots[pc] { continue }
            lengths[currentLeader] += 1
        }

        self.instructions = instructions
        self.slots = slots
        self.isLeader = Array(leaders.prefix(count))
        self.blockLength = lengths
        self.usesRegister = uses
        self.hasHelperCalls = hasHelperCalls
        self.hasLocalCalls = hasLocalCalls
    }

    /// The slot a jump or local call transfers control to, `nil` for other instructions.
    static func branchTarget(_ instruction: Instruction, descriptor: OpcodeDescriptor, at pc: Int) -> Int? {
        switch descriptor.shape {
        case .jumpOffset, .compareImmediate, .compareRegister: pc + 1 + Int(instruction.offset)
        case .jumpImmediateOffset, .localCall: pc + 1 + Int(instruction.immediate)
        default: nil
        }
    }

    /// Whether control may be transferred to `target`: inside the program, not an lddw's
    /// second slot. (An invalid instruction there is a valid target; it traps when reached.)
    func isValidTarget(_ target: Int) -> Bool {
        guard target >= 0, target < slots.count else { return false }
        if case .wideSecondHalf = slots[target] { return false }
        return true
    }
}
