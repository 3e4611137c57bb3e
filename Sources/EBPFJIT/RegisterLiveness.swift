import EBPFCore

/// Which eBPF registers some later instruction may read before writing them, after each slot: a
/// backward may-analysis over the basic blocks of ``ProgramAnalysis/controlFlow`` on 11-bit sets,
/// run on EBPFCore's ``EBPFCore/WorklistSolver``. The group rewrites use it to leave out values
/// nothing reads (a rotation's other half, the register a load-op-store goes through).
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
    /// above (a trap reads everything; an `lddw`'s second slot nothing): computed once per slot,
    /// for the solver's walks and for ``RegisterAllocator``.
    let effects: [UInt32]

    /// The registers live at a block's end; paths join by union.
    struct Live: DataflowState {
        var registers: UInt16

        mutating func join(_ other: Live) -> Bool {
            let merged = registers | other.registers
            defer { registers = merged }
            return merged != registers
        }
    }

    init(_ analysis: ProgramAnalysis) {
        let blocks = analysis.controlFlow.blocks
        let slots = analysis.slots
        var liveAfter = Array(repeating: RegisterMask.all.rawValue, count: slots.count)
        var effects = [UInt32](repeating: 0, count: slots.count)
        for pc in slots.indices {
            switch slots[pc] {
            case .wideSecondHalf:
                break
            case .trap, .conditionalTrap:
                effects[pc] = UInt32(RegisterMask.all.rawValue) << 16
            case .operation(let operation):
                let (reads, writes) = Self.effects(of: operation, analysis)
                effects[pc] = UInt32(reads) << 16 | UInt32(writes)
            }
        }
        self.effects = effects
        guard !blocks.isEmpty else {
            self.liveAfter = liveAfter
            return
        }
        var solver = WorklistSolver<Live>(blockCount: blocks.count, direction: .backward)
        for block in blocks.indices { solver.merge(Live(registers: 0), into: block) }
        while let block = solver.nextBlock() {
            let entry = Self.walk(blocks[block], effects, exit: solver.state(of: block)!.registers, liveAfter: &liveAfter)
            for predecessor in blocks[block].predecessors { solver.merge(Live(registers: entry), into: predecessor) }
        }
        self.liveAfter = liveAfter
    }

    /// Whether Rn may be read after slot `pc` before being written.
    func isLive(_ number: UInt8, after pc: Int) -> Bool {
        liveAfter[pc] & 1 << UInt16(number) != 0
    }

    /// Runs backward through `block` from the registers live at its end, recording what is live
    /// after each slot; returns what is live at its start.
    static func walk(_ block: BasicBlock, _ effects: [UInt32], exit: UInt16, liveAfter: inout [UInt16]) -> UInt16 {
        var live = exit
        for pc in block.slots.reversed() {
            liveAfter[pc] = live
            let effect = effects[pc]
            live = live & ~UInt16(truncatingIfNeeded: effect) | UInt16(truncatingIfNeeded: effect >> 16)
        }
        return live
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
