import EBPFCore

/// Which eBPF registers some later instruction may read before writing them, after each slot: a
/// backward may-analysis over the basic blocks of ``ProgramAnalysis/controlFlow`` on 11-bit sets
/// (each block summarized once, then sweeps in reverse block order to the fixed point). The group
/// rewrites use it to leave out values nothing reads (a rotation's other half, the register a
/// load-op-store goes through).
///
/// Conservative where it is not exact: a helper call reads R1–R5 and writes only R0 (an
/// unverified program may read what the engines leave in R1–R5), a local call or `callx`, a
/// trap and a conditional jump whose taking traps read everything, `exit` reads R0 (everything in
/// a program with local calls: the caller goes on), an atomic reads and writes R0 and its source,
/// `ldabs`/`ldind` read R1 and R2 (the lowering may take the input's base and length from them).
struct RegisterLiveness {
    /// Bit n set in `liveAfter[pc]`: Rn may be read after slot `pc` before it is written.
    let liveAfter: [UInt16]

    init(_ analysis: ProgramAnalysis) {
        let blocks = analysis.controlFlow.blocks
        let count = analysis.slots.count
        var liveAfter = [UInt16].filled(with: RegisterMask.all.rawValue, count: count)
        guard !blocks.isEmpty else {
            self.liveAfter = liveAfter
            return
        }
        // Each slot's effect is worked out once (reads | writes << 16; a trap reads everything,
        // an lddw's second slot does nothing) and each block's summarized (live at its start =
        // reads | live at its end & ~writes), so a visit of the fixed point is a few bit
        // operations; then one recording pass per block from its final state. The tables are in
        // one scratch allocation (on the stack for small programs).
        let slots = analysis.slots
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: count + 3 * blocks.count) { scratch in
            let effects = scratch.baseAddress!, summaries = effects + count
            for pc in 0..<count {
                switch slots[pc] {
                case .wideSecondHalf:
                    effects[pc] = 0
                case .trap, .conditionalTrap:
                    effects[pc] = UInt32(RegisterMask.all.rawValue)
                case .operation(let operation):
                    let (reads, writes) = Self.effects(of: operation, analysis)
                    effects[pc] = UInt32(reads) | UInt32(writes) << 16
                }
            }
            for block in blocks.indices {
                var reads: UInt16 = 0, writes: UInt16 = 0
                for pc in (blocks[block].start..<blocks[block].end).reversed() {
                    let (slotReads, slotWrites) = (UInt16(truncatingIfNeeded: effects[pc]), UInt16(truncatingIfNeeded: effects[pc] >> 16))
                    reads = slotReads | reads & ~slotWrites
                    writes |= slotWrites
                }
                summaries[block] = UInt32(reads) | UInt32(writes) << 16
            }
            // The fixed point: sweeps in reverse block order (live at a block's end = what is live
            // at its successors' starts), from nothing live, until a sweep changes nothing.
            let successors = analysis.blockSuccessors
            let liveIn = summaries + blocks.count, liveOut = liveIn + blocks.count
            liveIn.initialize(repeating: 0, count: 2 * blocks.count)
            successors.withUnsafeBufferPointer { successors in
                var changed = true
                while changed {
                    changed = false
                    for block in stride(from: blocks.count - 1, through: 0, by: -1) {
                        var out: UInt32 = 0
                        if successors[2 * block] >= 0 { out |= liveIn[successors[2 * block]] }
                        if successors[2 * block + 1] >= 0 { out |= liveIn[successors[2 * block + 1]] }
                        liveOut[block] = out
                        let summary = summaries[block]
                        let entry = summary & 0xffff | out & ~(summary >> 16)
                        if entry != liveIn[block] {
                            liveIn[block] = entry
                            changed = true
                        }
                    }
                }
            }
            liveAfter.withUnsafeMutableBufferPointer { liveAfter in
                for block in blocks.indices {
                    var live = UInt16(truncatingIfNeeded: liveOut[block])
                    for pc in (blocks[block].start..<blocks[block].end).reversed() {
                        liveAfter[pc] = live
                        live = live & ~UInt16(truncatingIfNeeded: effects[pc] >> 16) | UInt16(truncatingIfNeeded: effects[pc])
                    }
                }
            }
        }
        self.liveAfter = liveAfter
    }

    /// Whether Rn may be read after slot `pc` before being written.
    func isLive(_ number: UInt8, after pc: Int) -> Bool {
        liveAfter[pc] & 1 << UInt16(number) != 0
    }

    /// Registers one instruction reads and writes (bit sets), with the conservative cases above.
    static func effects(of operation: DecodedOperation, _ analysis: ProgramAnalysis) -> (reads: UInt16, writes: UInt16) {
        switch operation {
        case .atomic(_, _, let base, _, let src):
            let both = RegisterMask.register(src).union(.register(0))
            return (both.union(.register(base)).rawValue, both.rawValue)
        case .packetLoad(_, let index, _):
            // The lowering may read the input's base and length from R1 and R2
            // (``ProgramAnalysis/packetLoadsReadInputRegisters``).
            let reads = RegisterMask.register(1).union(.register(2)).union(index.map { RegisterMask.register($0) } ?? [])
            return (reads.rawValue, RegisterMask.register(0).rawValue)
        case .callHelper:
            return (RegisterMask.arguments.rawValue, RegisterMask.register(0).rawValue)
        case .callLocal, .callRegister:
            return (RegisterMask.all.rawValue, 0)
        case .exit:
            return (analysis.hasLocalCalls ? RegisterMask.all.rawValue : RegisterMask.register(0).rawValue, 0)
        default:
            let (reads, writes) = operation.registerEffects
            return (reads.rawValue, writes.rawValue)
        }
    }
}
