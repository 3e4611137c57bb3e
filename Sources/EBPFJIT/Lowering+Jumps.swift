import EBPFCore
import X86Encoding

/// Conditional and unconditional jumps, with the budget check on back-edges (calls are in
/// `Lowering+Calls`, `exit` in ``Lowering/lower(_:at:)``).
extension Lowering {
    /// `cmp`/`test` for a conditional jump; returns the condition under which it is taken.
    mutating func emitCompare(_ comparison: Comparison) -> X86Condition {
        let width = OperandWidth(comparison.width)
        let isTest = comparison.condition == .set
        let dst = r(comparison.dst)
        switch comparison.source {
        case .immediate(let immediate):
            if immediate != 0 && blindsConstants {
                let constant = blindedImmediateInScratch(immediate, width)
                if isTest { a.test(width, dst, constant) } else { a.alu(.cmp, width, dst, constant) }
            } else if isTest {
                a.test(width, dst, immediate: immediate)
            } else if immediate == 0 {
                a.test(width, dst, dst)  // same flags as cmp dst, 0 for every condition used
            } else {
                a.alu(.cmp, width, dst, immediate: immediate)
            }
        case .register(let number):
            let src = r(number)
            if isTest {
                a.test(width, dst, src)
            } else {
                a.alu(.cmp, width, dst, src)
            }
        }
        return Self.condition(for: comparison.condition)
    }

    /// A conditional jump whose taking traps (its target is bad).
    mutating func lowerConditionalTrap(_ comparison: Comparison, at pc: Int) {
        let condition = emitCompare(comparison)
        a.jcc(condition, staticTrap(at: pc))
    }

    /// The x86 condition under which an eBPF conditional jump is taken (after `cmp dst, src`,
    /// or `test dst, src` for jset).
    static func condition(for condition: BranchCondition) -> X86Condition {
        switch condition {
        case .eq: .equal
        case .ne, .set: .notEqual
        case .gt: .above
        case .ge: .aboveOrEqual
        case .lt: .below
        case .le: .belowOrEqual
        case .sgt: .greater
        case .sge: .greaterOrEqual
        case .slt: .less
        case .sle: .lessOrEqual
        }
    }

    /// Jumps to slot `target` (when the conditional jump `compare` is taken, or always when nil).
    /// A target outside the program or inside an lddw goes to a trap.
    ///
    /// Budget: the counter is brought up to date before any jump to a valid target (the target
    /// may be reached from elsewhere). A back-edge (target <= pc) does it with `add counter, n;
    /// jge` (the counter is ≥ 0 once the budget is exceeded): the unconditional one traps there;
    /// the conditional one goes to a cold path that repeats the compare and traps only if the
    /// jump is taken, else resumes after it. Hot path: `add; jge; cmp; jcc`, two fused pairs. A
    /// back-edge of a loop proven to exit (``ProvenLoops``) neither counts nor checks: `cmp; jcc`.
    mutating func emitBranch(_ compare: Comparison?, from pc: Int, to target: Int) {
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
        if defersCount {
            emitDeferredCountBranch(compare, from: pc, to: target)
            return
        }
        // A short loop is kept inside one cache line (the head's alignment point, X86Assembler).
        defer { if options.alignLoopHeads && target <= pc { a.keepInOneCacheLine(from: slotLabels[target]) } }
        // Where a taken conditional jump goes: the target, or a stub with copies sunk onto that way.
        let taken = compare == nil ? branchLabel(to: target, from: pc) : takenLabel(from: pc, to: target)
        if budgetEnabled && target <= pc && provenLoops.skipsBudget[pc] {
            // The loop is proven to exit (``ProvenLoops``): what it executed since the last count
            // is not added, and nothing is checked on the way back to its head.
            pendingCount = 0
            if let compare {
                a.jcc(emitCompare(compare), taken)
            } else {
                a.jmp(branchLabel(to: target, from: pc))
            }
            return
        }
        if budgetEnabled && target <= pc {
            if let compare {
                let overBudget = a.newLabel()
                let resume = a.newLabel()
                emitCountAndTest(overBudget)
                a.jcc(emitCompare(compare), taken)
                a.bind(resume)
                coldStubs.append(.budgetBackEdge(label: overBudget, compare: compare, resume: resume, pc: pc))
            } else {
                emitBudgetCheck(at: pc)
                a.jmp(branchLabel(to: target, from: pc))
            }
            return
        }
        flushCount()
        if let compare {
            a.jcc(emitCompare(compare), taken)
        } else if target != pc + 1 || fastLoop != nil {
            // (A fast copy's next slot is not the body's.)
            a.jmp(branchLabel(to: target, from: pc))
        }
    }

    /// The label a conditional jump at `pc` to `target` jumps to: the target's, or a cold stub
    /// that runs the copies sunk onto the taken way (``SunkCopies``) and then jumps there.
    mutating func takenLabel(from pc: Int, to target: Int) -> X86Label {
        guard let copies = sunkCopies.onTaken[pc] else { return branchLabel(to: target, from: pc) }
        let stub = a.newLabel()
        coldStubs.append(.edgeCopies(label: stub, copies: copies, target: branchLabel(to: target, from: pc)))
        return stub
    }

    /// Emits the `mov` at slot `pc` where ``SunkCopies`` put it.
    mutating func lowerSunkCopy(at pc: Int) {
        guard case .operation(let operation) = analysis.slots[pc] else { return }
        lower(operation, at: pc)
    }

    /// Adds the instructions counted since the last add to the budget counter.
    mutating func flushCount() {
        if defersCount { pendingCount = 0 }
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
