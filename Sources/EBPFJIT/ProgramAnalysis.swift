import EBPFCore

/// What the lowering needs to know about a program before emitting code, read off the decoded
/// program EBPFCore builds once per ``EBPFCore/Program`` (``EBPFCore/DecodedProgram``): how each
/// slot is lowered, its control-flow graph (leaders, jump targets, backward-jump targets), and
/// which eBPF registers are used at all (so unused callee-saved x86 registers are not saved).
///
/// A class (immutable once built) so that the lowering, the address analysis and the register
/// analysis share one instance: as a struct, every copy retained each of its arrays.
final class ProgramAnalysis {
    /// How one 8-byte slot is lowered.
    enum Slot {
        /// An instruction that runs: its static trap is `nil`.
        case operation(DecodedOperation)
        /// The second slot of an `lddw`.
        case wideSecondHalf
        /// Traps with `staticTraps[pc]` when reached: a slot the decoder rejects (only possible
        /// in programs built with `Program(unchecked:)`), an `lddw` with a map reference, or a
        /// `ja`/`ja32`/`call local` whose target is bad.
        case trap
        /// A conditional jump whose target is bad: it traps with `staticTraps[pc]` if taken and
        /// otherwise falls through, as in the interpreter.
        case conditionalTrap(Comparison)
    }

    let slots: [Slot]
    /// ``EBPFCore/DecodedProgram/staticTraps`` plus the fell-off-the-end trap at index `count`:
    /// the exact invalid-instruction traps both engines raise. Trap records index this table.
    let staticTraps: StaticTrapTable
    /// The program's control-flow graph (``EBPFCore/DecodedProgram/controlFlow``): blocks and
    /// their edges, leaders, jump targets (where the budget counter is brought up to date),
    /// backward-jump targets (the loop heads the lowering aligns).
    let controlFlow: ControlFlowGraph
    /// The control-flow graph's successor lists flattened for the register analyses' sweeps:
    /// block b's successors are `blockSuccessors[2 * b]` and `[2 * b + 1]`, -1 where there is
    /// none (a block has at most two: the fall-through and a jump's target). Reading them here
    /// costs no reference counting per visit, as the blocks' own arrays do.
    let blockSuccessors: [Int]
    /// Per slot, the registers it reads (high 16 bits) and writes (low 16 bits) as
    /// ``RegisterLiveness`` counts them (its conservative cases included): worked out here, in the
    /// one pass over the decoded slots, so that no later pass asks EBPFCore again
    /// (``EBPFCore/DecodedOperation/registerEffects`` is a call into another module per slot).
    let livenessEffects: [UInt32]
    /// Per block, the registers live at its end (``RegisterLiveness/solve(_:successors:_:_:)``):
    /// under ``livenessEffects`` in the low 16 bits (what ``RegisterLiveness`` records slot by
    /// slot from), under ``RegisterDefinedness``'s effects in the high 16.
    let blockLiveOut: [UInt32]
    /// `usesRegister[n]`: eBPF register Rn is named by an instruction that runs, or is an
    /// argument or result register of a helper call (R0 always counts).
    let usesRegister: [Bool]
    let hasHelperCalls: Bool
    /// The registers some instruction that runs writes (``EBPFCore/DecodedOperation/registerEffects``).
    let registersWritten: RegisterMask
    let hasLocalCalls: Bool
    /// The program makes legacy packet loads and no instruction writes R1 or R2 (no calls
    /// either), so R1 and R2 hold the input's base and length for the whole run: the loads read
    /// them there instead of from the context block (and they count as used).
    let packetLoadsReadInputRegisters: Bool
    /// R1 is read only by legacy packet loads (``packetLoadsReadInputRegisters``, and no
    /// instruction names R1): each reads it only after comparing the length in R2 with its end,
    /// which an empty input fails, so R1's value for an empty input is never seen.
    let inputBaseOnlyBasesPacketLoads: Bool
    /// Bit n set: Rn may be read before it is written, so the prologue zeroes it
    /// (``RegisterDefinedness``).
    private(set) var registersNeedingZero: UInt16 = 0
    /// Whether the code can form a stack address: only through R10, which local calls move.
    var usesStack: Bool { usesRegister[10] || hasLocalCalls }

    init(_ program: Program) {
        // The decoded program's parts, each read once (a copy of the whole `DecodedProgram`
        // would retain and release every one of its arrays).
        let decodedSlots = program.decoded.slots
        let count = decodedSlots.count
        let traps = program.decoded.staticTraps
        let controlFlow = program.decoded.controlFlow
        var slots: [Slot] = []
        slots.reserveCapacity(count)
        var named = RegisterMask.register(0)
        var hasHelperCalls = false
        var hasLocalCalls = false
        var hasPacketLoads = false
        var written: RegisterMask = []
        // The two register-effect tables (RegisterLiveness keeps its own; RegisterDefinedness's is
        // solved with it below), filled in the same pass: each slot's effects asked of EBPFCore once.
        let readsAll = UInt32(RegisterMask.all.rawValue) << 16
        var livenessEffects = [UInt32].filled(with: 0, count: count)
        var definednessEffects = [UInt32].filled(with: 0, count: count)
        // Written through buffers: an array's element assignment checks its uniqueness each time.
        livenessEffects.withUnsafeMutableBufferPointer { livenessEffects in
            definednessEffects.withUnsafeMutableBufferPointer { definednessEffects in
                for pc in 0..<count {
                    switch decodedSlots[pc] {
                    case .wideSecondHalf:
                        slots.append(.wideSecondHalf)
                    case .invalid:
                        slots.append(.trap)
                        livenessEffects[pc] = readsAll
                        definednessEffects[pc] = RegisterDefinedness.trap
                    case .operation(let operation):
                        if traps[pc] == nil {
                            named.formUnion(Self.registersNamed(by: operation))
                            let effects = operation.registerEffects
                            written.formUnion(effects.writes)
                            switch operation {
                            case .callHelper, .callRegister: hasHelperCalls = true
                            case .callLocal: hasLocalCalls = true
                            case .packetLoad: hasPacketLoads = true
                            default: break
                            }
                            slots.append(.operation(operation))
                            livenessEffects[pc] = RegisterLiveness.effects(of: operation, effects)
                            definednessEffects[pc] = RegisterDefinedness.effects(of: operation, effects)
                        } else if case .conditionalJump(let condition, let width, let dst, let source, _) = operation {
                            named.formUnion(Self.registersNamed(by: operation))
                            slots.append(.conditionalTrap(Comparison(condition: condition, width: width, dst: dst, source: source)))
                            livenessEffects[pc] = readsAll
                            definednessEffects[pc] = readsAll
                        } else {
                            slots.append(.trap)
                            livenessEffects[pc] = readsAll
                            definednessEffects[pc] = RegisterDefinedness.trap
                        }
                    }
                }
            }
        }
        if hasHelperCalls { named.formUnion(.callerSaved) }
        let inputRegisters = RegisterMask.register(1).union(.register(2))
        self.packetLoadsReadInputRegisters = hasPacketLoads && written.intersection(inputRegisters).isEmpty
        self.inputBaseOnlyBasesPacketLoads = packetLoadsReadInputRegisters && !named.contains(register: 1)
        if packetLoadsReadInputRegisters { named.formUnion(inputRegisters) }
        self.slots = slots
        self.staticTraps = StaticTrapTable(slots: traps)
        self.controlFlow = controlFlow
        let blocks = controlFlow.blocks
        var successors: [Int] = []
        successors.reserveCapacity(2 * blocks.count)
        for block in blocks.indices {
            let list = blocks[block].successors
            precondition(list.count <= 2, "a block with more than two successors")
            successors.append(list.first ?? -1)
            successors.append(list.count > 1 ? list[1] : -1)
        }
        self.blockSuccessors = successors
        var uses = [Bool].filled(with: false, count: 11)
        for n in 0..<11 where named.contains(register: UInt8(n)) { uses[n] = true }
        self.usesRegister = uses
        self.hasHelperCalls = hasHelperCalls
        self.registersWritten = written
        // A function whose address is taken is called back (bpf_loop) as a local function.
        self.hasLocalCalls = hasLocalCalls || !controlFlow.functionAddressTargets.isEmpty
        if self.hasLocalCalls {
            // `exit` returns to a caller that goes on: it reads everything (``RegisterLiveness``).
            for pc in 0..<count {
                if case .operation(.exit) = slots[pc] { livenessEffects[pc] = readsAll }
            }
        }
        self.livenessEffects = livenessEffects
        // Both register analyses' fixed points in one solve (RegisterDefinedness: what is live at
        // the entry under its effects).
        let (liveOut, entry) = RegisterLiveness.solve(blocks, successors: successors, livenessEffects, definednessEffects)
        self.blockLiveOut = liveOut
        var used: UInt16 = 0
        for n in 0..<11 where uses[n] { used |= 1 << UInt16(n) }
        self.registersNeedingZero = RegisterDefinedness(
            liveAtEntry: UInt16(truncatingIfNeeded: entry >> 16), used: used,
            zeroesEveryUsed: self.hasLocalCalls || blocks.isEmpty).needsZero
    }

    /// The registers an instruction's fields name (not those a call or `exit` uses by
    /// convention): what the lowering maps to x86 registers.
    static func registersNamed(by operation: DecodedOperation) -> RegisterMask {
        func register(_ operand: Operand) -> RegisterMask {
            operand.register.map { .register($0) } ?? []
        }
        switch operation {
        case .alu(_, _, let dst, let source), .conditionalJump(_, _, let dst, let source, _):
            return register(source).union(.register(dst))
        case .negate(_, let dst), .byteSwap(_, let dst), .loadImmediate64(let dst, _, _), .callRegister(let dst):
            return .register(dst)
        case .moveSignExtended(_, let dst, let src, _), .load(_, let dst, let src, _, _),
             .atomic(_, _, let dst, _, let src):
            return RegisterMask.register(dst).union(.register(src))
        case .store(_, let base, _, let value):
            return register(value).union(.register(base))
        case .packetLoad(_, let index, _):
            return index.map { .register($0) } ?? []
        case .jump, .callHelper, .callLocal, .exit:
            return []
        }
    }

    /// Whether control may be transferred to `target`: inside the program, not an lddw's
    /// second slot. (An invalid instruction there is a valid target; it traps when reached.)
    func isValidTarget(_ target: Int) -> Bool {
        guard target >= 0, target < slots.count else { return false }
        if case .wideSecondHalf = slots[target] { return false }
        return true
    }
}
