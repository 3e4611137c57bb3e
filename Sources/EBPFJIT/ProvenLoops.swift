import EBPFCore

/// The backward jumps that need no budget counting: those that close a loop the verifier proved
/// to exit (``EBPFCore/VerifiedFacts/loopHeadTerminates``) and whose code is a single-entry run
/// of slots.
///
/// A backward jump at slot `s` to a proven head `h` qualifies when the slots `h...s` lie in one
/// subprogram and every edge into a block that starts inside `h+1...s` comes from a block inside
/// `h...s`: control enters that code only through `h`. A run that takes the jump again and again
/// without leaving `h...s` then stays in the head's region (every block it passes was reached
/// from `h` and leads back to it), where the head is passed only finitely often. A run that
/// leaves `h...s` and comes back enters at `h`, and the way back contains a backward jump that
/// either keeps its check or closes a larger such run of slots around this one, and so on
/// outwards: an endless run still takes some checked backward jump endlessly, so the budget still
/// stops it. What changes is the count: the instructions on those paths since the last count are
/// not added, so a run may execute more than the budget before the trap (docs/jit.md).
///
/// When every backward jump inside `h...s` is such a jump and no `call local` (which checks the
/// budget) is there, the slots `h...s` are not counted at all (``isUncounted``), so the loop
/// carries no `add` either: every check left is on a backward jump or call outside those slots,
/// which counts at least itself, so the count still grows on every way round an endless run.
struct ProvenLoops {
    /// Indexed by slot: `true` at each backward jump whose budget count and check are left out.
    let skipsBudget: SlotFlags
    /// Indexed by slot: `true` where the instruction is not added to the budget counter.
    let isUncounted: SlotFlags

    /// One flag per slot, stored only when some flag is set: without a proven loop (most
    /// programs) a compilation allocates nothing here.
    struct SlotFlags {
        /// Indexed by slot, or empty when every flag is `false`.
        let flags: [Bool]

        subscript(pc: Int) -> Bool { !flags.isEmpty && flags[pc] }
    }

    init(_ analysis: ProgramAnalysis, facts: VerifiedFacts?) {
        let skips = Self.skips(analysis, proven: facts?.loopHeadTerminates ?? [])
        skipsBudget = SlotFlags(flags: skips)
        isUncounted = SlotFlags(flags: skips.isEmpty ? [] : Self.uncounted(analysis, skips: skips))
    }

    /// The slots of each skipping loop `h...s` that holds no checked backward jump and no local call.
    private static func uncounted(_ analysis: ProgramAnalysis, skips: [Bool]) -> [Bool] {
        var uncounted = [Bool].filled(with: false, count: skips.count)
        for last in skips.indices where skips[last] {
            guard case .operation(let jump) = analysis.slots[last], let head = jump.branchTarget else { continue }
            let quiet = (head...last).allSatisfy { pc in
                guard case .operation(let operation) = analysis.slots[pc] else { return true }
                switch operation {
                case .callLocal: return false
                case .jump(let target), .conditionalJump(_, _, _, _, let target):
                    return target > pc || skips[pc] || !analysis.isValidTarget(target)
                default: return true
                }
            }
            if quiet {
                for pc in head...last { uncounted[pc] = true }
            }
        }
        return uncounted
    }

    /// The skipping backward jumps, or empty when no loop head is proven.
    private static func skips(_ analysis: ProgramAnalysis, proven: [Bool]) -> [Bool] {
        guard proven.contains(true) else { return [] }
        let graph = analysis.controlFlow
        var skips = [Bool].filled(with: false, count: analysis.slots.count)
        for block in graph.blocks {
            let pc = block.last
            let target: Int
            switch analysis.slots[pc] {
            case .operation(.jump(let to)), .operation(.conditionalJump(_, _, _, _, let to)): target = to
            default: continue
            }
            guard target <= pc, target < proven.count, proven[target] else { continue }
            skips[pc] = isSingleEntry(head: target, through: pc, graph)
        }
        return skips
    }

    /// Whether `head...last` is in one subprogram and entered from outside only at `head`.
    static func isSingleEntry(head: Int, through last: Int, _ graph: ControlFlowGraph) -> Bool {
        guard graph.subprogramOfSlot[head] == graph.subprogramOfSlot[last] else { return false }
        var index = graph.blockOfSlot[head] + 1
        while index < graph.blocks.count && graph.blocks[index].start <= last {
            for predecessor in graph.blocks[index].predecessors {
                let from = graph.blocks[predecessor]
                if from.start < head || from.last > last { return false }
            }
            index += 1
        }
        return true
    }
}
