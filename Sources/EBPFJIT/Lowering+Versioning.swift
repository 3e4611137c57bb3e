import EBPFCore
import X86Encoding

/// Loop versioning (``LoopVersioning``): the entry check at a versioned loop's head and the
/// loop's second copy, whose covered accesses carry no bounds check.
///
/// Layout per body copy (the single entry's, and the batch entry's own):
/// ```
/// head:     entry check → fast head when every covered access stays in the input memory
/// checked:  the loop as before (its back-edge comes here, past the check)
/// ...
/// fast:     after the body, the loop's slots again (exits to the body's labels, back-edge to
///           the fast head); counting the budget exactly as the checked copy does
/// ```
extension Lowering {
    /// The label a jump from `pc` to `target` takes: a back-edge of a versioned loop in the
    /// checked copy skips the entry check.
    func branchLabel(to target: Int, from pc: Int) -> X86Label {
        if fastLoop == nil, !versioning.loopOfSlot.isEmpty, target < versioning.loopOfSlot.count {
            let index = versioning.loopOfSlot[target]
            if index >= 0, versioning.loops[index].head == target, versioning.loopOfSlot[pc] == index {
                return checkedHeads[index]
            }
        }
        return slotLabels[target]
    }

    /// The versioned loop whose head is `pc`, if any.
    func versionedLoop(headAt pc: Int) -> Int? {
        guard !versioning.loopOfSlot.isEmpty else { return nil }
        let index = versioning.loopOfSlot[pc]
        return index >= 0 && versioning.loops[index].head == pc ? index : nil
    }

    /// The entry check of loop `index`, at its head: goes to the fast copy when the counter's
    /// range and every covered access's first and last address hold, else falls through to the
    /// checked loop.
    ///
    /// ```
    /// cmp K, last (!=) / cmp K, 2^31-1 [cmp B, 2^31-1] (<, <=); ja checked
    /// push T; T = last - K [< 0 → 0]            ; the iterations after the first
    /// per access: lea s, [a + b + d]; sub s, [memoryBase]; cmp s, [startCount]; jae fail
    ///             lea s, [s + T*S (- S)];                 cmp s, [startCount]; jae fail
    /// pop T; jmp fast
    /// fail: pop T
    /// ```
    mutating func emitVersionCheck(_ index: Int) {
        let loop = versioning.loops[index]
        let ctx = map.context
        let scratch = map.scratch
        let counter = r(loop.counter)
        var used: Set<X86Register> = [counter]
        if case .below(let register?, _, _) = loop.bound { used.insert(r(register)) }
        for access in loop.accesses { for term in access.terms { used.insert(r(term)) } }
        // Any other register, saved around its use; not the budget counter, which the check reads.
        let temporary = X86Register.allCases.first {
            $0 != .rsp && $0 != scratch && $0 != ctx && $0 != map.counter && !used.contains($0)
        }!
        let checked = a.newLabel()
        let fail = a.newLabel()
        switch loop.bound {
        case .notEqual(let last):
            a.alu(.cmp, .bits64, counter, immediate: Int32(last))
            a.jcc(.above, checked)
            a.push(temporary)
            a.mov32(temporary, immediate: UInt32(last))
        case .below(let register, let constant, let adjust):
            a.alu(.cmp, .bits64, counter, immediate: 0x7fff_ffff)
            a.jcc(.above, checked)
            if let register {
                a.alu(.cmp, .bits64, r(register), immediate: 0x7fff_ffff)
                a.jcc(.above, checked)
                a.push(temporary)
                a.lea(temporary, .at(r(register), Int32(adjust)))
            } else {
                a.push(temporary)
                a.mov64(temporary, immediate: UInt64(bitPattern: constant + adjust))
            }
        }
        a.alu(.sub, .bits64, temporary, counter)
        if case .below = loop.bound {
            // last = max(K, limit): no iterations after the first when the limit is below K.
            let positive = a.newLabel()
            a.jcc(.notSign, positive)
            a.alu(.xor, .bits32, temporary, temporary)
            a.bind(positive)
        }
        let startCount = { (size: Int) in X86Memory.at(ctx, RunContextLayout.memoryStartCount(size: size)) }
        for access in loop.accesses {
            let terms = access.terms.map { r($0) }
            let first = terms.count == 2
                ? X86Memory(base: terms[0], index: terms[1], scale: 1, displacement: access.displacement)
                : X86Memory.at(terms[0], access.displacement)
            a.lea(scratch, first)
            a.alu(.sub, .bits64, scratch, .at(ctx, RunContextLayout.memoryBase))
            a.alu(.cmp, .bits64, scratch, startCount(access.size))
            a.jcc(.aboveOrEqual, fail)
            guard access.stride != 0 else { continue }
            let stride = Int32(access.stride)
            a.lea(scratch, X86Memory(base: scratch, index: temporary, scale: UInt8(stride), displacement: access.afterHeadTest ? -stride : 0))
            a.alu(.cmp, .bits64, scratch, startCount(access.size))
            a.jcc(.aboveOrEqual, fail)
        }
        if let counting = loop.counting {
            // The fast copy counts only at its exits: enter it only if the loop cannot run past
            // the budget, (T + 1) iterations at most (counter + (T + 1)·N < 0), where the checked
            // copy would trap; then counter −= K0·N, so that an exit adds K·N + its prefix.
            let n = Int32(counting.perIteration)
            a.imul(.bits64, scratch, temporary, immediate: n)
            a.lea(scratch, X86Memory(base: scratch, index: map.counter, scale: 1, displacement: n))
            a.test(.bits64, scratch, scratch)
            a.jcc(.notSign, fail)
            a.imul(.bits64, scratch, counter, immediate: n)
            a.alu(.sub, .bits64, map.counter, scratch)
        }
        a.pop(temporary)
        a.jmp(fastHeads[index])
        a.bind(fail)
        a.pop(temporary)
        a.bind(checked)
    }

    /// The fast copies of this body copy's versioned loops (after its code, before its stubs).
    mutating func emitLoopCopies() {
        guard !versioning.loops.isEmpty else { return }
        let cfg = analysis.controlFlow
        let mainLabels = slotLabels
        for (index, loop) in versioning.loops.enumerated() {
            var labels = mainLabels
            for block in loop.blocks {
                for pc in cfg.blocks[block].slots { labels[pc] = a.newLabel() }
            }
            labels[loop.head] = fastHeads[index]
            slotLabels = labels
            fastLoop = index
            defersCount = loop.counting != nil
            deferredExits = []
            pendingCount = 0
            if options.alignLoopHeads { a.alignNextInstruction() }
            // A chain loop is laid out head to tail, so that an iteration takes one jump (back).
            let order = loop.counting?.chain ?? loop.blocks
            for (position, block) in order.enumerated() {
                let b = cfg.blocks[block]
                if position > 0 && cfg.blocks[order[position - 1]].end != b.start {
                    // Not entered by falling through: every way in arrives with the count current.
                    pendingCount = 0
                }
                let next = position + 1 < order.count ? cfg.blocks[order[position + 1]].start : -1
                invertedBranchSlot = nil
                if defersCount, b.end != next,
                   case .operation(.conditionalJump(_, _, _, _, let target)) = analysis.slots[b.last], target == next {
                    invertedBranchSlot = b.last
                }
                emitSlots(b.start..<b.end)
                if invertedBranchSlot != nil {
                    invertedBranchSlot = nil
                    continue
                }
                if Self.fallsThrough(analysis.slots[b.last]) && b.end != next {
                    // Leaving the loop by falling through: to the body's code after the block.
                    flushCount()
                    if b.end < analysis.slots.count {
                        emitExitCount(of: loop, block: block)
                        a.jmp(slotLabels[b.end])
                    } else {
                        a.jmp(staticTrap(at: analysis.slots.count))
                    }
                }
            }
            for exit in deferredExits {
                a.bind(exit.label)
                emitExitCount(of: loop, block: exit.block)
                a.jmp(slotLabels[exit.target])
            }
            deferredExits = []
            defersCount = false
            fastLoop = nil
        }
        slotLabels = mainLabels
    }

    /// A jump in a fast copy that defers counting: inside the loop, straight to the copy's
    /// label; out of it, through a stub that adds the count first.
    mutating func emitDeferredCountBranch(_ compare: Comparison?, from pc: Int, to target: Int) {
        pendingCount = 0
        if let compare, pc == invertedBranchSlot {
            // The target comes next: jump to the fall-through when the condition fails.
            a.jcc(emitCompare(compare).negated, deferredCountLabel(from: pc, to: pc + 1))
            return
        }
        let label = deferredCountLabel(from: pc, to: target)
        if let compare {
            a.jcc(emitCompare(compare), label)
        } else {
            a.jmp(label)
        }
    }

    /// Where a fast copy's jump from `pc` to `target` lands: the copy's own label inside the
    /// loop, otherwise a new exit stub (recorded in `deferredExits`) that adds the count first.
    private mutating func deferredCountLabel(from pc: Int, to target: Int) -> X86Label {
        if versioning.loopOfSlot[target] == fastLoop { return slotLabels[target] }
        let label = a.newLabel()
        deferredExits.append((label, analysis.controlFlow.blockOfSlot[pc], target))
        return label
    }

    /// Brings the budget counter up to date when a fast copy that defers counting leaves the
    /// loop from `block`: `imul scratch, K', N; add counter, scratch; add counter, prefix − c·N`
    /// (K' = K + c holds the counter there; the entry took K0·N off).
    mutating func emitExitCount(of loop: LoopVersioning.Loop, block: Int) {
        guard defersCount, let counting = loop.counting, let exit = counting.exits[block] else { return }
        let scratch = map.scratch
        a.imul(.bits64, scratch, r(exit.register), immediate: Int32(counting.perIteration))
        a.alu(.add, .bits64, map.counter, scratch)
        let rest = Int64(exit.prefix) - exit.offset * Int64(counting.perIteration)
        if rest != 0 { a.alu(.add, .bits64, map.counter, immediate: Int32(rest)) }
    }

    /// Whether control may go on to the next slot after `slot`.
    static func fallsThrough(_ slot: ProgramAnalysis.Slot) -> Bool {
        switch slot {
        case .trap: false
        case .wideSecondHalf, .conditionalTrap: true
        case .operation(let operation):
            switch operation {
            case .jump, .exit: false
            default: true
            }
        }
    }
}
