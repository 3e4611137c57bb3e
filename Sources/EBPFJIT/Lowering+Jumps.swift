import EBPFCore
import X86Encoding

/// JMP and JMP32: conditional and unconditional jumps, with the budget check on back-edges;
/// calls and exit are dispatched to `Lowering+Calls`.
extension Lowering {
    mutating func lowerJump(_ instruction: Instruction, descriptor: OpcodeDescriptor, at pc: Int) {
        switch descriptor.shape {
        case .none:
            // exit: from a local function the caller counts on, so the count must be current.
            if analysis.hasLocalCalls { flushCount() }
            pendingCount = 0
            emitExit()
        case .helperCall:
            lowerHelperCall(id: instruction.immediate, at: pc)
        case .registerCall:
            lowerRegisterCall(dst: instruction.dst, at: pc)
        case .localCall:
            lowerLocalCall(target: pc + 1 + Int(instruction.immediate), at: pc)
        case .jumpOffset:
            emitBranch(nil, from: pc, to: pc + 1 + Int(instruction.offset))
        case .jumpImmediateOffset:
            emitBranch(nil, from: pc, to: pc + 1 + Int(instruction.immediate))
        case .compareImmediate, .compareRegister:
            emitBranch(instruction, from: pc, to: pc + 1 + Int(instruction.offset))
        default:
            a.jmp(staticTrap(at: pc))
        }
    }

    /// `cmp`/`test` for a conditional jump, decided by the opcode alone (class, operation,
    /// K/X bit), so it also serves malformed slots; returns the condition under which it is taken.
    mutating func emitCompare(_ instruction: Instruction) -> X86Condition {
        let width: OperandWidth = instruction.opcode & 0x07 == InstructionClass.jmp.rawValue ? .bits64 : .bits32
        let operation = JumpOperation(rawValue: instruction.opcode & 0xf0)!
        let dst = r(instruction.dst)
        if instruction.opcode & OperandSource.register.rawValue == 0 {
            let immediate = instruction.immediate
            if immediate != 0 && blindsConstants {
                let constant = blindedImmediateInScratch(immediate, width)
                if operation == .jset { a.test(width, dst, constant) } else { a.alu(.cmp, width, dst, constant) }
            } else if operation == .jset {
                a.test(width, dst, immediate: immediate)
            } else if immediate == 0 {
                a.test(width, dst, dst)  // same flags as cmp dst, 0 for every condition used
            } else {
                a.alu(.cmp, width, dst, immediate: immediate)
            }
        } else {
            let src = r(instruction.src)
            if operation == .jset {
                a.test(width, dst, src)
            } else {
                a.alu(.cmp, width, dst, src)
            }
        }
        return Self.condition(for: operation)
    }

    /// A conditional jump whose taking traps (bad target or malformed slot).
    mutating func lowerConditionalTrap(_ instruction: Instruction, at pc: Int) {
        let condition = emitCompare(instruction)
        a.jcc(condition, staticTrap(at: pc))
    }

    /// The x86 condition under which an eBPF conditional jump is taken (after `cmp dst, src`,
    /// or `test dst, src` for jset).
    static func condition(for operation: JumpOperation) -> X86Condition {
        switch operation {
        case .jeq: .equal
        case .jne, .jset: .notEqual
        case .jgt: .above
        case .jge: .aboveOrEqual
        case .jlt: .below
        case .jle: .belowOrEqual
        case .jsgt: .greater
        case .jsge: .greaterOrEqual
        case .jslt: .less
        case .jsle: .lessOrEqual
        case .ja, .call, .exit: .equal  // not conditional; never asked
        }
    }

    /// Jumps to slot `target` (when the conditional jump `compare` is taken, or always when nil).
    /// A target outside the program or inside an lddw goes to a trap.
    ///
    /// Budget: the counter is brought up to date before any jump to a valid target (the target
    /// may be reached from elsewhere). A back-edge (target <= pc) does it with `add counter, n;
    /// jge` (the counter is ≥ 0 once the budget is exceeded): the unconditional one traps there;
    /// the conditional one goes to a cold path that repeats the compare and traps only if the
    /// jump is taken, else resumes after it. Hot path: `add; jge; cmp; jcc`, two fused pairs.
    mutating func emitBranch(_ compare: Instruction?, from pc: Int, to target: Int) {
        guard analysis.isValidTarget(target) else {
            // Taken, it traps (not the budget trap, so the count need not be current).
            let trap = staticTrap(at: pc)
            if let compare {
                a.jcc(emitCompare(compare), trap)
            } else {
                a.jmp(trap)
                pendingCount = 0
            }
            return
        }
        if budgetEnabled && target <= pc {
            if let compare {
                let overBudget = a.newLabel()
                let resume = a.newLabel()
                emitCountAndTest(overBudget)
                a.jcc(emitCompare(compare), slotLabels[target])
                a.bind(resume)
                coldStubs.append(.budgetBackEdge(label: overBudget, compare: compare, resume: resume, pc: pc))
            } else {
                emitBudgetCheck(at: pc)
                a.jmp(slotLabels[target])
            }
            return
        }
        flushCount()
        if let compare {
            a.jcc(emitCompare(compare), slotLabels[target])
        } else if target != pc + 1 {
            a.jmp(slotLabels[target])
        }
    }

    /// Adds the instructions counted since the last add to the budget counter.
    mutating func flushCount() {
        guard budgetEnabled, pendingCount > 0 else { return }
        a.alu(.add, .bits64, map.counter, immediate: Int32(pendingCount))
        pendingCount = 0
    }

    /// Brings the counter up to date and jumps to `overBudget` if the count now exceeds the
    /// budget: `add counter, n; jge overBudget` (or `test` when nothing is pending).
    mutating func emitCountAndTest(_ overBudget: X86Label) {
        if pendingCount > 0 {
            a.alu(.add, .bits64, map.counter, immediate: Int32(pendingCount))
            pendingCount = 0
        } else {
            a.test(.bits64, map.counter, map.counter)
        }
        a.jcc(.greaterOrEqual, overBudget)
    }

    /// Brings the counter up to date and traps with budgetExhausted if the count exceeds the budget.
    mutating func emitBudgetCheck(at pc: Int) {
        emitCountAndTest(trapStub(.budgetExhausted, pc: pc, value: .register(map.counter)))
    }
}
