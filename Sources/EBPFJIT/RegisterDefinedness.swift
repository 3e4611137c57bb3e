import EBPFCore

/// Which eBPF registers some path from the entry may read before writing them: the only ones
/// the prologue must zero (R1, R2 and R10 are loaded anyway). A forward may-analysis over the
/// basic blocks of ``ProgramAnalysis/controlFlow`` on 11-bit sets, run on EBPFCore's
/// ``EBPFCore/WorklistSolver``: a register is "possibly unwritten" at a point if it is on some
/// path from the entry that never writes it; reading it there makes it need a zero.
///
/// Conservative where it is not exact: a program with local calls zeroes every register it
/// uses (a callee reads what its callers left, whichever they were), a helper call reads R1–R5,
/// `exit` reads R0, an atomic reads and writes R0 and its source whatever its operation, and a
/// conditional jump whose taking traps reads everything.
struct RegisterDefinedness {
    /// Bit n set: Rn may be read before it is written.
    let needsZero: UInt16

    /// The registers possibly unwritten on entry to a block; paths join by union.
    struct Unwritten: DataflowState {
        var registers: UInt16

        mutating func join(_ other: Unwritten) -> Bool {
            let merged = registers | other.registers
            defer { registers = merged }
            return merged != registers
        }
    }

    init(_ analysis: ProgramAnalysis) {
        var used: UInt16 = 0
        for n in 0..<11 where analysis.usesRegister[n] { used |= 1 << UInt16(n) }
        let loaded: UInt16 = 1 << 1 | 1 << 2 | 1 << 10
        let blocks = analysis.controlFlow.blocks
        guard !blocks.isEmpty, !analysis.hasLocalCalls else {
            needsZero = used & ~loaded
            return
        }
        var solver = WorklistSolver<Unwritten>(blockCount: blocks.count)
        // R1, R2, R10 are loaded by the prologue.
        solver.merge(Unwritten(registers: RegisterMask.all.rawValue & ~loaded), into: 0)
        var needs: UInt16 = 0
        while let block = solver.nextBlock() {
            guard let exit = Self.walk(blocks[block], analysis, entry: solver.state(of: block)!, needs: &needs) else { continue }
            for successor in blocks[block].successors { solver.merge(exit, into: successor) }
        }
        needsZero = needs & used
    }

    /// Runs through `block` from `entry`, adding what it reads while possibly unwritten to
    /// `needs`; returns the state at its end, or `nil` when it ends in a trap.
    static func walk(_ block: BasicBlock, _ analysis: ProgramAnalysis, entry: Unwritten, needs: inout UInt16) -> Unwritten? {
        var unwritten = entry.registers
        for pc in block.slots {
            switch analysis.slots[pc] {
            case .trap:
                return nil
            case .wideSecondHalf:
                continue
            case .conditionalTrap:
                // Its condition is evaluated: it reads what it names (any register, to be safe).
                needs |= unwritten
            case .operation(let operation):
                let (reads, writes) = effects(of: operation)
                needs |= reads & unwritten
                unwritten &= ~writes
            }
        }
        return Unwritten(registers: unwritten)
    }

    /// Registers one instruction reads and writes (bit sets): ``EBPFCore/DecodedOperation/registerEffects``,
    /// except that every atomic counts as reading and writing R0 and its source.
    static func effects(of operation: DecodedOperation) -> (reads: UInt16, writes: UInt16) {
        if case .atomic(_, _, let base, _, let src) = operation {
            let both = RegisterMask.register(src).union(.register(0))
            return (both.union(.register(base)).rawValue, both.rawValue)
        }
        let (reads, writes) = operation.registerEffects
        return (reads.rawValue, writes.rawValue)
    }
}
