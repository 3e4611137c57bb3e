import EBPFCore
import X86Encoding

/// JMP and JMP32: conditional and unconditional jumps, with the budget check on back-edges;
/// calls and exit are dispatched to `Lowering+Calls`.
extension Lowering {
    mutating func lowerJump(_ instruction: Instruction, descriptor: OpcodeDescriptor, at pc: Int) {
        switch descriptor.shape {
        case .none:
            a.ret()  // exit
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
            let condition = emitCompare(instruction)
            emitBranch(condition, from: pc, to: pc + 1 + Int(instruction.offset))
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
            if operation == .jset {
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

    /// Jumps to slot `target` (when `condition` holds, or always). A target outside the program or
    /// inside an lddw goes to a trap. A taken back-edge (target <= pc) first compares the counter
    /// with the budget (the jump itself is already counted, at its block's leader).
    mutating func emitBranch(_ condition: X86Condition?, from pc: Int, to target: Int) {
        guard analysis.isValidTarget(target) else {
            let trap = staticTrap(at: pc)
            if let condition { a.jcc(condition, trap) } else { a.jmp(trap) }
            return
        }
        if budgetEnabled && target <= pc {
            let skip = a.newLabel()
            if let condition { a.jcc(condition.negated, skip) }
            emitBudgetCheck(at: pc)
            a.jmp(slotLabels[target])
            a.bind(skip)
            return
        }
        if let condition {
            a.jcc(condition, slotLabels[target])
        } else if target != pc + 1 {
            a.jmp(slotLabels[target])
        }
    }

    /// Traps with budgetExhausted if the counter exceeds the budget.
    mutating func emitBudgetCheck(at pc: Int) {
        if let budget = Int32(exactly: limits.instructionBudget) {
            a.alu(.cmp, .bits64, map.counter, immediate: budget)
        } else {
            a.alu(.cmp, .bits64, map.counter, .at(map.context, RunContextLayout.instructionBudget))
        }
        a.jcc(.above, trapStub(.budgetExhausted, pc: pc, value: .register(map.counter)))
    }
}
