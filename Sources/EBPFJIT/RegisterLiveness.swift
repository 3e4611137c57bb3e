import EBPFCore

/// Which eBPF registers some later instruction may read before writing them, after each slot: a
/// backward may-analysis over the basic blocks of ``ProgramAnalysis/controlFlow`` on 11-bit sets.
/// The group rewrites use it to leave out values nothing reads (a rotation's other half, the
/// register a load-op-store goes through), and ``RegisterAllocator`` its interference.
///
/// The fixed point is reached in ``ProgramAnalysis`` (``solve(_:successors:_:_:)``, each block
/// summarized once, then sweeps in reverse block order over ``ProgramAnalysis/blockSuccessors``),
/// together with ``RegisterDefinedness``'s, which is the same analysis on other effects; this
/// type records the live sets slot by slot from the block ends it found.
///
/// Conservative where it is not exact: a helper call reads R1–R5 and writes only R0 (an
/// unverified program may read what the engines leave in R1–R5), a local call or `callx`, a
/// trap and a conditional jump whose taking traps read everything, `exit` reads R0 (everything in
/// a program with local calls: the caller goes on), an atomic reads and writes R0 and its source,
/// `ldabs`/`ldind` read R1 and R2 (the lowering may take the input's base and length from them).
struct RegisterLiveness {
    /// Bit n set in `liveAfter[pc]`: Rn may be read after slot `pc` before it is written.
    let liveAfter: [UInt16]
    /// What slot `pc` reads (high 16 bits) and writes (low 16 bits), with the conservative cases
    /// above (a trap reads everything; an `lddw`'s second slot nothing): computed once per slot
    /// (``ProgramAnalysis/livenessEffects``), for the block summaries and for ``RegisterAllocator``.
    let effects: [UInt32]

    init(_ analysis: ProgramAnalysis) {
        let blocks = analysis.controlFlow.blocks
        let count = analysis.slots.count
        let effects = analysis.livenessEffects
        self.effects = effects
        // A slot in no block (none, as the decoder builds the graph) keeps everything live.
        var liveAfter = [UInt16].filled(with: RegisterMask.all.rawValue, count: count)
        // One backward pass per block from what is live at its end (the low half of
        // ``ProgramAnalysis/blockLiveOut``).
        let liveOut = analysis.blockLiveOut
        effects.withUnsafeBufferPointer { effects in
            liveAfter.withUnsafeMutableBufferPointer { liveAfter in
                for block in blocks.indices {
                    var live = UInt16(truncatingIfNeeded: liveOut[block])
                    for pc in (blocks[block].start..<blocks[block].end).reversed() {
                        liveAfter[pc] = live
                        let effect = effects[pc]
                        live = live & ~UInt16(truncatingIfNeeded: effect) | UInt16(truncatingIfNeeded: effect >> 16)
                    }
                }
            }
        }
        self.liveAfter = liveAfter
    }

    /// Runs backward through `block` from the registers live at its end, recording what is live
    /// after each slot; returns what is live at its start (``SunkCopies`` redoes a block with
    /// its effects changed).
    static func walk(_ block: BasicBlock, _ effects: [UInt32], exit: UInt16, liveAfter: inout [UInt16]) -> UInt16 {
        var live = exit
        for pc in block.slots.reversed() {
            liveAfter[pc] = live
            let effect = effects[pc]
            live = live & ~UInt16(truncatingIfNeeded: effect) | UInt16(truncatingIfNeeded: effect >> 16)
        }
        return live
    }

    /// The fixed point of two backward liveness analyses at once, one per effect table (each
    /// entry: reads in the high 16 bits, writes in the low 16; a slot that writes all 16 bits and
    /// reads nothing ends every path through it, as a trap does): per block, the registers live
    /// at its end, `first`'s in the low 16 bits and `second`'s in the high 16, and the same at the
    /// start of block 0, the program's entry.
    ///
    /// Each block is summarized once (live at its start = reads | live at its end & ~writes, both
    /// analyses side by side in one 32-bit word: the operations are bitwise, so the halves never
    /// mix), then sweeps in reverse block order (live at a block's end = what is live at its
    /// successors' starts), from nothing live, run until one changes nothing. The tables are
    /// scratch memory, on the stack for small programs.
    static func solve(_ blocks: [BasicBlock], successors: [Int], _ first: [UInt32], _ second: [UInt32])
        -> (liveOut: [UInt32], entry: UInt32) {
        var liveOut = [UInt32].filled(with: 0, count: blocks.count)
        guard !blocks.isEmpty else { return (liveOut, 0) }
        var entry: UInt32 = 0
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 3 * blocks.count) { scratch in
            let reads = scratch.baseAddress!, writes = reads + blocks.count, liveIn = writes + blocks.count
            first.withUnsafeBufferPointer { first in
                second.withUnsafeBufferPointer { second in
                    for block in blocks.indices {
                        var blockReads: UInt32 = 0, blockWrites: UInt32 = 0
                        for pc in (blocks[block].start..<blocks[block].end).reversed() {
                            let slotReads = second[pc] & 0xffff_0000 | first[pc] >> 16
                            let slotWrites = second[pc] << 16 | first[pc] & 0xffff
                            blockReads = slotReads | blockReads & ~slotWrites
                            blockWrites |= slotWrites
                        }
                        reads[block] = blockReads
                        writes[block] = blockWrites
                    }
                }
            }
            liveIn.initialize(repeating: 0, count: blocks.count)
            successors.withUnsafeBufferPointer { successors in
                liveOut.withUnsafeMutableBufferPointer { liveOut in
                    var changed = true
                    while changed {
                        changed = false
                        for block in stride(from: blocks.count - 1, through: 0, by: -1) {
                            var out: UInt32 = 0
                            if successors[2 * block] >= 0 { out |= liveIn[successors[2 * block]] }
                            if successors[2 * block + 1] >= 0 { out |= liveIn[successors[2 * block + 1]] }
                            liveOut[block] = out
                            let start = reads[block] | out & ~writes[block]
                            if start != liveIn[block] {
                                liveIn[block] = start
                                changed = true
                            }
                        }
                    }
                }
            }
            entry = liveIn[0]
        }
        return (liveOut, entry)
    }

    /// Whether Rn may be read after slot `pc` before being written.
    func isLive(_ number: UInt8, after pc: Int) -> Bool {
        liveAfter[pc] & 1 << UInt16(number) != 0
    }

    /// What one instruction that runs reads (high 16 bits) and writes (low 16 bits), from
    /// `effects` (its ``EBPFCore/DecodedOperation/registerEffects``) with the conservative cases
    /// above; `exit` reads R0 here, ``ProgramAnalysis`` makes it read everything in a program with
    /// local calls.
    static func effects(of operation: DecodedOperation, _ effects: (reads: RegisterMask, writes: RegisterMask)) -> UInt32 {
        func encoded(_ reads: RegisterMask, _ writes: RegisterMask) -> UInt32 {
            UInt32(reads.rawValue) << 16 | UInt32(writes.rawValue)
        }
        switch operation {
        case .atomic(_, _, let base, _, let src):
            let both = RegisterMask.register(src).union(.register(0))
            return encoded(both.union(.register(base)), both)
        case .packetLoad:
            // The lowering may read the input's base and length from R1 and R2
            // (``ProgramAnalysis/packetLoadsReadInputRegisters``).
            return encoded(effects.reads.union(.register(1)).union(.register(2)), .register(0))
        case .callHelper:
            return encoded(.arguments, .register(0))
        case .callLocal, .callRegister:
            return encoded(.all, [])
        default:
            return encoded(effects.reads, effects.writes)
        }
    }
}
