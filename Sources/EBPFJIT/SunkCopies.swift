import EBPFCore

/// Register copies moved off the way out of a block that does not read them: clang's BPF
/// backend sets up the value a loop exit needs (a phi's copy, `r3 = r5`, `r3 = 0`) before the
/// conditional jump that decides whether to leave, so the loop runs the copy on every iteration.
///
/// A `mov dst, src` / `mov dst, imm` (either width) in a block that ends in a conditional jump
/// is *sunk* when `dst` is read on one of the jump's two ways out and not the other (the
/// registers live where each way enters, ``RegisterLiveness``), and the slots after it up to the
/// jump neither read nor write `dst`, do not write `src`, and cannot trap or call (ALU
/// instructions, constant `lddw`s and accesses that need no run-time check). It then runs on
/// that way only, after the jump: on the fall-through, right after the jump's code; on the taken
/// way, in a stub the jump goes through (`mov; jmp target`), and only when the jump leaves a
/// loop (a forward jump from inside the slots of a backward jump to past them), so the extra
/// `jmp` is paid once per exit rather than once per iteration.
///
/// At most one copy moves onto each way of a jump: for the allocation every sunk copy reads and
/// writes at the jump, so two of them could be given one x86 register for one's destination and
/// the other's source, which code emitted one copy after the other would clobber (the fuzzer
/// found it: seeds 91202431, 91206748, 91210646, 91328998 of 2026-12-08).
///
/// The way where `dst` is not read ends up with `dst` unchanged instead of the copied value,
/// which nothing reads; on the other way `dst` gets the same value as before (`src` is not
/// written in between). The budget count is unchanged: the copy is counted where it stood.
///
/// For register allocation and the other users of liveness, the copy reads and writes at the
/// jump (``adjusted(_:_:)``), so `src` stays live, and in its x86 register, up to the jump.
struct SunkCopies {
    /// Indexed by slot (empty when nothing is sunk): `true` at a copy emitted on a way out instead
    /// of in place.
    let isSunk: [Bool]
    /// Jump slot → the copies emitted after the jump, on its fall-through, in slot order.
    let onFallThrough: [Int: [Int]]
    /// Jump slot → the copies emitted in a stub on the jump's taken way, in slot order.
    let onTaken: [Int: [Int]]

    /// Whether slot `pc` is emitted elsewhere (a fused group must not take it in).
    func contains(_ pc: Int) -> Bool { !isSunk.isEmpty && isSunk[pc] }

    /// Nothing sunk.
    init() {
        isSunk = []
        onFallThrough = [:]
        onTaken = [:]
    }

    init(_ analysis: ProgramAnalysis, liveness: RegisterLiveness, accessNeedsNoCheck: (Int) -> Bool) {
        var isSunk: [Bool] = []
        var onFallThrough: [Int: [Int]] = [:]
        var onTaken: [Int: [Int]] = [:]
        let graph = analysis.controlFlow
        // The backward jumps (slot, target), ascending, built on first need: loop bodies, for
        // telling a loop exit.
        var loops: [(last: Int, head: Int)]?
        /// Whether a jump at `jump` to the later `target` leaves a loop: some backward jump after
        /// it and before the target goes back to or before it. Looks at the first 16 such jumps
        /// only (a heuristic: the work stays linear on any program).
        func leavesLoop(_ jump: Int, _ target: Int) -> Bool {
            if loops == nil {
                loops = graph.blocks.compactMap { block in
                    switch analysis.slots[block.last] {
                    case .operation(.jump(let to)), .operation(.conditionalJump(_, _, _, _, let to)):
                        return to <= block.last && to >= 0 ? (block.last, to) : nil
                    default:
                        return nil
                    }
                }
            }
            let loops = loops!
            var low = 0, high = loops.count
            while low < high {
                let middle = (low + high) / 2
                if loops[middle].last <= jump { low = middle + 1 } else { high = middle }
            }
            var index = low
            while index < loops.count && index < low + 16 && loops[index].last < target {
                if loops[index].head <= jump { return true }
                index += 1
            }
            return false
        }
        let slots = analysis.slots
        let effects = liveness.effects
        /// The registers live where slot `pc` starts.
        func liveIn(_ pc: Int) -> UInt16 {
            let effect = effects[pc]
            return liveness.liveAfter[pc] & ~UInt16(truncatingIfNeeded: effect) | UInt16(truncatingIfNeeded: effect >> 16)
        }
        for block in graph.blocks where block.last > block.start {
            let jump = block.last
            guard case .operation(.conditionalJump(_, _, _, _, let target)) = slots[jump],
                  analysis.isValidTarget(target), jump + 1 < slots.count, target != jump + 1 else { continue }
            // `jcc +1; ja T` is lowered as one inverted jump (``Lowering/fusion(at:)``).
            if target == jump + 2, case .operation(.jump) = slots[jump + 1] { continue }
            // Only a block with a copy before its jump is looked at further.
            guard (block.start..<jump).contains(where: { pc in
                if case .operation(.alu(.mov, _, _, _)) = slots[pc] { return true } else { return false }
            }) else { continue }
            let liveTaken = liveIn(target)
            let liveOn = liveIn(jump + 1)
            var reads = UInt16(truncatingIfNeeded: effects[jump] >> 16)
            var writes = UInt16(truncatingIfNeeded: effects[jump])
            var fallThrough: [Int] = []
            var taken: [Int] = []
            var pc = jump - 1
            while pc >= block.start {
                guard case .operation(let operation) = slots[pc] else {
                    if case .wideSecondHalf = slots[pc] { pc -= 1; continue }
                    break
                }
                if case .alu(.mov, _, let dst, let source) = operation {
                    let bit = UInt16(1) << UInt16(dst)
                    var sourceBit: UInt16 = 0
                    if case .register(let src) = source { sourceBit = 1 << UInt16(src) }
                    if source != .register(dst), (reads | writes) & bit == 0, writes & sourceBit == 0 {
                        // One copy per way: several, run one after another at the jump, would
                        // be a parallel move, and the allocation (each copy reads and writes at
                        // the jump) may give one's destination the register of another's source.
                        if liveOn & bit != 0 && liveTaken & bit == 0 {
                            if fallThrough.isEmpty { fallThrough.append(pc) }
                        } else if liveTaken & bit != 0 && liveOn & bit == 0 && taken.isEmpty && target > jump && leavesLoop(jump, target) {
                            taken.append(pc)
                        }
                    }
                } else if !Self.isPlain(operation, at: pc, accessNeedsNoCheck) {
                    break
                }
                let effect = effects[pc]
                reads |= UInt16(truncatingIfNeeded: effect >> 16)
                writes |= UInt16(truncatingIfNeeded: effect)
                pc -= 1
            }
            if fallThrough.isEmpty && taken.isEmpty { continue }
            if isSunk.isEmpty { isSunk = Array(repeating: false, count: slots.count) }
            for copy in fallThrough + taken { isSunk[copy] = true }
            if !fallThrough.isEmpty { onFallThrough[jump] = fallThrough.reversed() }
            if !taken.isEmpty { onTaken[jump] = taken.reversed() }
        }
        self.isSunk = isSunk
        self.onFallThrough = onFallThrough
        self.onTaken = onTaken
    }

    /// Whether a copy may move past `operation`: it has no effect but on registers and memory
    /// the program may access, and cannot trap (so nothing observes where the copy ran).
    private static func isPlain(_ operation: DecodedOperation, at pc: Int, _ accessNeedsNoCheck: (Int) -> Bool) -> Bool {
        switch operation {
        case .alu, .negate, .byteSwap, .moveSignExtended:
            return true
        case .loadImmediate64(_, let kind, _):
            return kind == .constant
        case .load, .store:
            return accessNeedsNoCheck(pc)
        default:
            return false
        }
    }

    /// `liveness` with each sunk copy's reads and writes moved to its jump: what the registers
    /// hold once the copies run on the ways out. The registers live where each block starts do
    /// not change (a copy's source is not written between it and the jump, its destination not
    /// read), so only the blocks holding copies are walked again.
    func adjusted(_ liveness: RegisterLiveness, _ analysis: ProgramAnalysis) -> RegisterLiveness {
        guard !isSunk.isEmpty else { return liveness }
        var effects = liveness.effects
        var liveAfter = liveness.liveAfter
        for (jump, copies) in onFallThrough.merging(onTaken, uniquingKeysWith: +) {
            for copy in copies {
                // The jump's own writes are none, and a copy's destination is not among its reads.
                effects[jump] |= effects[copy]
                effects[copy] = 0
            }
        }
        let graph = analysis.controlFlow
        for jump in Set(onFallThrough.keys).union(onTaken.keys) {
            let block = graph.blocks[graph.blockOfSlot[jump]]
            _ = RegisterLiveness.walk(block, effects, exit: liveAfter[jump], liveAfter: &liveAfter)
        }
        return RegisterLiveness(liveAfter: liveAfter, effects: effects)
    }
}

extension RegisterLiveness {
    /// Liveness as given (``SunkCopies/adjusted(_:_:)``).
    init(liveAfter: [UInt16], effects: [UInt32]) {
        self.liveAfter = liveAfter
        self.effects = effects
    }
}
