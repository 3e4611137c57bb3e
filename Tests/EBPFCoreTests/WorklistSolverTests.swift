import EBPFCore
import Testing

/// The shared solver on two small analyses: a forward "registers possibly written" may-analysis
/// and a backward liveness, over the loop-and-call program of ``ControlFlowGraphTests``.
@Suite("WorklistSolver")
struct WorklistSolverTests {
    struct Registers: DataflowState, Equatable {
        var mask: RegisterMask
        mutating func join(_ other: Registers) -> Bool {
            let joined = mask.union(other.mask)
            defer { mask = joined }
            return joined != mask
        }
    }

    @Test func forwardMayAnalysisReachesItsFixedPoint() throws {
        let decoded = try Program(validating: ControlFlowGraphTests.loopAndCall).decoded
        let cfg = decoded.controlFlow
        var solver = WorklistSolver<Registers>(blockCount: cfg.blocks.count)
        solver.merge(Registers(mask: []), into: 0)
        var visits = 0
        while let block = solver.nextBlock() {
            visits += 1
            var state = solver.state(of: block)!
            for pc in cfg.blocks[block].slots { state.mask.formUnion(decoded[pc]?.registerEffects.writes ?? []) }
            for successor in cfg.blocks[block].successors { solver.merge(state, into: successor) }
        }
        // The loop block is entered with {r0, r1} from the entry and again from itself: no change.
        #expect(solver.state(of: 1)?.mask == [.register(0), .register(1)])
        #expect(solver.state(of: 2)?.mask == [.register(0), .register(1)])
        #expect(solver.state(of: 3)?.mask == RegisterMask.callerSaved)
        #expect(solver.state(of: 4) == nil)   // only reached through the call edge, not followed here
        // Blocks 0, 1, 2, 3 once each: block 1 merged into itself changes nothing.
        #expect(visits == 4)
    }

    @Test func backwardLiveness() throws {
        let decoded = try Program(validating: ControlFlowGraphTests.loopAndCall).decoded
        let cfg = decoded.controlFlow
        // State of a block = registers live at its exit; the entry's live-in is computed after.
        var solver = WorklistSolver<Registers>(blockCount: cfg.blocks.count, direction: .backward)
        func liveIn(_ block: Int, out: RegisterMask) -> RegisterMask {
            var live = out
            for pc in cfg.blocks[block].slots.reversed() {
                guard let effects = decoded[pc]?.registerEffects else { continue }
                live = live.subtracting(effects.writes).union(effects.reads)
            }
            return live
        }
        for block in cfg.blocks.indices { solver.merge(Registers(mask: []), into: block) }
        while let block = solver.nextBlock() {
            let live = liveIn(block, out: solver.state(of: block)!.mask)
            for predecessor in cfg.blocks[block].predecessors { solver.merge(Registers(mask: live), into: predecessor) }
        }
        // The call reads its arguments R1–R5, and the loop reads r0 and r1: all of R0–R5 are live
        // out of the entry block, which writes r0 and r1, so only R2–R5 are live into it.
        #expect(solver.state(of: 0)?.mask == .callerSaved)
        #expect(liveIn(1, out: solver.state(of: 1)!.mask) == .callerSaved)
        #expect(liveIn(0, out: solver.state(of: 0)!.mask) == RegisterMask.arguments.subtracting(.register(1)))
    }
}
