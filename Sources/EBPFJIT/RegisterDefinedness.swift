import EBPFCore

/// Which eBPF registers some path from the entry may read before writing them: the only ones
/// the prologue must zero (R1, R2 and R10 are loaded anyway). A forward may-analysis over the
/// basic blocks of ``ProgramAnalysis/controlFlow`` on 11-bit sets (each block summarized once,
/// then sweeps in block order to the fixed point): a register is "possibly unwritten" at a point
/// if it is on some path from the entry that never writes it; reading it there makes it need a
/// zero.
///
/// Conservative where it is not exact: a program with local calls zeroes every register it
/// uses (a callee reads what its callers left, whichever they were), a helper call reads R1–R5,
/// `exit` reads R0, an atomic reads and writes R0 and its source whatever its operation, and a
/// conditional jump whose taking traps reads everything.
struct RegisterDefinedness {
    /// Bit n set: Rn may be read before it is written.
    let needsZero: UInt16

    init(_ analysis: ProgramAnalysis) {
        var used: UInt16 = 0
        for n in 0..<11 where analysis.usesRegister[n] { used |= 1 << UInt16(n) }
        let loaded: UInt16 = 1 << 1 | 1 << 2 | 1 << 10
        let blocks = analysis.controlFlow.blocks
        guard !blocks.isEmpty, !analysis.hasLocalCalls else {
            needsZero = used & ~loaded
            return
        }
        // Read once: the analysis is a class, and reading its tables per block retains them.
        let effects = analysis.definednessEffects
        let successors = analysis.blockSuccessors
        var needs: UInt16 = 0
        // Each block summarized once (``summary(of:_:)``), then sweeps in block order to the fixed
        // point of what is possibly unwritten at each block's start (R1, R2, R10 are loaded by the
        // prologue; a block no path reaches stays empty); the tables are scratch memory, on the
        // stack for small programs.
        withUnsafeTemporaryAllocation(of: Summary.self, capacity: 2 * blocks.count) { scratch in
            // Per block: its summary, then (as a summary's `readsFirst`, the rest unused) the
            // registers possibly unwritten at its start.
            let summaries = scratch.baseAddress!, unwritten = summaries + blocks.count
            for block in blocks.indices {
                (summaries + block).initialize(to: Self.summary(of: blocks[block].start..<blocks[block].end, effects))
                (unwritten + block).initialize(to: Summary())
            }
            unwritten[0].readsFirst = RegisterMask.all.rawValue & ~loaded
            successors.withUnsafeBufferPointer { successors in
                var changed = true
                while changed {
                    changed = false
                    for block in 0..<blocks.count where !summaries[block].endsInTrap {
                        let exit = unwritten[block].readsFirst & ~summaries[block].writes
                        for edge in 2 * block..<2 * block + 2 where successors[edge] >= 0 {
                            let successor = successors[edge]
                            let merged = unwritten[successor].readsFirst | exit
                            if merged != unwritten[successor].readsFirst {
                                unwritten[successor].readsFirst = merged
                                changed = true
                            }
                        }
                    }
                }
            }
            for block in 0..<blocks.count { needs |= summaries[block].readsFirst & unwritten[block].readsFirst }
        }
        needsZero = needs & used
    }

    /// What one block does to the analysis, whatever its entry state: the registers it may
    /// read before writing them (everything not yet written at a conditional jump whose taking
    /// traps), those it writes, and whether it ends in a trap (no successor sees its end).
    struct Summary {
        var readsFirst: UInt16 = 0
        var writes: UInt16 = 0
        var endsInTrap = false
    }

    /// One pass through the slots of a block: entered with `entry` possibly unwritten, it adds
    /// `readsFirst & entry` to what needs a zero and leaves `entry & ~writes` possibly unwritten.
    /// `effects` is ``ProgramAnalysis/definednessEffects`` (a conditional jump whose taking traps
    /// reads everything there).
    static func summary(of block: Range<Int>, _ effects: [UInt32]) -> Summary {
        var summary = Summary()
        for pc in block {
            let effect = effects[pc]
            if effect == .max {
                summary.endsInTrap = true
                return summary
            }
            summary.readsFirst |= UInt16(truncatingIfNeeded: effect >> 16) & ~summary.writes
            summary.writes |= UInt16(truncatingIfNeeded: effect)
        }
        return summary
    }

    /// What one instruction that runs reads (high 16 bits) and writes (low 16 bits), from
    /// `effects` (its ``EBPFCore/DecodedOperation/registerEffects``), except that every atomic
    /// counts as reading and writing R0 and its source.
    static func effects(of operation: DecodedOperation, _ effects: (reads: RegisterMask, writes: RegisterMask)) -> UInt32 {
        if case .atomic(_, _, let base, _, let src) = operation {
            let both = RegisterMask.register(src).union(.register(0))
            return UInt32(both.union(.register(base)).rawValue) << 16 | UInt32(both.rawValue)
        }
        return UInt32(effects.reads.rawValue) << 16 | UInt32(effects.writes.rawValue)
    }
}
