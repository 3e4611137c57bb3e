import EBPFCore

/// Which registers each instruction may read before they are written again on some path: the
/// classic backward data-flow analysis over the program's control-flow graph, solved by the
/// project's ``EBPFCore/WorklistSolver``. The graph's edges stay inside a function (a local call
/// reads R1–R5 and writes R0–R5 in the caller's view). State comparison ignores dead registers,
/// and the JIT may use the sets too.
struct Liveness {
    /// Bit `r` of `liveIn[pc]` is set when R`r` is live on entry to the instruction at `pc`
    /// (0 for the second slot of an `lddw`).
    let liveIn: [UInt16]

    static let calleeSaved: UInt16 = RegisterMask.calleeSaved.rawValue

    /// The registers live at the end of a block: the solver's state, joined by union.
    struct LiveRegisters: DataflowState {
        var mask: UInt16

        mutating func join(_ other: LiveRegisters) -> Bool {
            let joined = mask | other.mask
            guard joined != mask else { return false }
            mask = joined
            return true
        }
    }

    init(_ program: DecodedProgram, helpers: HelperRegistry) {
        let graph = program.controlFlow
        var live = [UInt16](repeating: 0, count: program.count)
        var solver = WorklistSolver<LiveRegisters>(blockCount: graph.blocks.count, direction: .backward)
        // Every block is visited at least once, also those that end the program or a loop with
        // no exit.
        for block in graph.blocks.indices { solver.merge(LiveRegisters(mask: 0), into: block) }
        while let block = solver.nextBlock() {
            var mask = solver.state(of: block)!.mask
            let slots = graph.blocks[block].slots
            for pc in slots.reversed() {
                guard let operation = program[pc] else { continue }
                let (uses, defs) = Self.usesAndDefinitions(operation, helpers: helpers)
                mask = uses | (mask & ~defs)
                live[pc] = mask
            }
            for predecessor in graph.blocks[block].predecessors {
                solver.merge(LiveRegisters(mask: mask), into: predecessor)
            }
        }
        liveIn = live
    }

    /// The operation's register effects, except that a helper call reads only the arguments its
    /// signature declares (all five for a helper the registry does not know).
    private static func usesAndDefinitions(
        _ operation: DecodedOperation, helpers: HelperRegistry
    ) -> (uses: UInt16, defs: UInt16) {
        if case .callHelper(let id) = operation {
            let arguments = helpers[id]?.signature.arguments.count ?? 5
            var mask: UInt16 = 0
            for register in 1...5 where register <= arguments { mask |= 1 << UInt16(register) }
            return (mask, RegisterMask.callerSaved.rawValue)
        }
        let effects = operation.registerEffects
        return (effects.reads.rawValue, effects.writes.rawValue)
    }
}
