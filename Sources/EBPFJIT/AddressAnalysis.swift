import EBPFCore

/// What the JIT proves about memory accesses on its own, without the verifier: a forward
/// data-flow analysis over the basic blocks of ``ProgramAnalysis/controlFlow``, run on EBPFCore's
/// ``EBPFCore/WorklistSolver``, that tracks, per eBPF register, whether it holds a known
/// constant, the input memory's base plus a constant, or the current frame's top (R10 at
/// function entry) plus a constant. Only exact equalities are tracked, so at a join two different
/// values give "unknown", and the analysis reaches its fixed point after a few visits of each
/// block.
///
/// The result is one ``AccessCheck`` per slot:
/// - an access `[frame + c]` with `-512 <= c` and `c + size <= 0` lies inside the current
///   512-byte frame, which lies inside the stack area at every call depth the code allows (the
///   frame of depth `d` ≤ 7 starts at `stackTop - 512 * d`), so it needs no check at all;
/// - an access `[input + c]` with `c >= 0` is in bounds exactly when `c` is below the run's
///   start count for its size: one compare with the context instead of two range checks;
/// - an access through an input pointer whose offset is not known (a join of two offsets, an
///   unknown index added) tests the input memory's range inline and leaves the stack area, like
///   every other region, to the slow path.
///
/// R10 is an ordinary register for unverified programs (a program may write it), which the
/// analysis handles like any other write; local calls give the callee a new frame (R10 = frame
/// + 0 when no instruction writes R10, else unknown) and restore R6–R10 on return.
struct AddressAnalysis {
    /// How the lowering checks one load, store or atomic.
    enum AccessCheck: Equatable {
        /// The generic run-time check (stack area, then input memory, then the slow path).
        case generic
        /// Proven inside the current stack frame: no check.
        case none
        /// Address = input base + `offset` (≥ 0): in bounds iff `offset < startCount[size]`.
        case inputOffset(Int32)
        /// Address = input base + something not known: the input memory's range check inline,
        /// everything else (the stack area too) in the slow path.
        case inputFirst
    }

    /// One register's tracked value.
    struct Value: Equatable {
        /// `inputDerived`: the input base plus an offset not known (at a join of two input
        /// offsets, or after adding an unknown value); it only picks which range the inline check
        /// tests, so it may be wrong without harm.
        enum Kind: UInt8 { case unknown, constant, input, frame, inputDerived }
        var kind: Kind
        /// The constant, or the offset from the base (wrapping, as the registers do).
        var offset: Int64

        static let unknown = Value(kind: .unknown, offset: 0)
        static let inputDerived = Value(kind: .inputDerived, offset: 0)
        var isInputLike: Bool { kind == .input || kind == .inputDerived }
        static func constant(_ value: Int64) -> Value { Value(kind: .constant, offset: value) }
    }

    /// The tracked values of R0–R10 at one point, inline (no heap storage per block).
    struct Registers: DataflowState {
        var values = InlineArray<11, Value>(repeating: .unknown)

        subscript(_ n: UInt8) -> Value {
            get { values[Int(n)] }
            set { values[Int(n)] = newValue }
        }

        /// Where two paths disagree the value becomes unknown, or input-derived when both are
        /// input pointers.
        mutating func join(_ other: Registers) -> Bool {
            var changed = false
            for n in 0..<11 where values[n] != other.values[n] && values[n] != .unknown {
                let joined: Value = values[n].isInputLike && other.values[n].isInputLike ? .inputDerived : .unknown
                if joined != values[n] {
                    values[n] = joined
                    changed = true
                }
            }
            return changed
        }

        /// R0–R5 clobbered: by a call, or by `ldabs`/`ldind` (as the kernel treats them).
        mutating func clobberCallerSaved() {
            for n in 0...5 { values[n] = .unknown }
        }
    }

    /// Indexed by slot; `.generic` everywhere but loads, stores and atomics the analysis proved
    /// something about. Empty when the verifier proved every access safe (the analysis is not run).
    let checks: [AccessCheck]
    /// Whether some access the verifier did not prove safe gets the generic check (which may
    /// test the stack area).
    let needsGenericCheck: Bool

    /// Runs the analysis unless `facts` proves every load, store and atomic safe.
    init(_ analysis: ProgramAnalysis, facts: VerifiedFacts? = nil) {
        let unproven = analysis.slots.indices.filter { pc in
            guard case .operation(let operation) = analysis.slots[pc], operation.isMemoryAccess else { return false }
            return !(facts.map { pc < $0.accessIsSafe.count && $0.accessIsSafe[pc] } ?? false)
        }
        let checks = unproven.isEmpty ? [] : Self.solve(analysis)
        self.checks = checks
        self.needsGenericCheck = unproven.contains { checks[$0] == .generic }
    }

    /// The fixed point, then one recording pass over it.
    private static func solve(_ analysis: ProgramAnalysis) -> [AccessCheck] {
        let cfg = analysis.controlFlow
        var checks = [AccessCheck].filled(with: .generic, count: analysis.slots.count)
        guard !cfg.blocks.isEmpty else { return checks }
        var entry = Registers()
        entry[1] = Value(kind: .input, offset: 0)
        entry[10] = Value(kind: .frame, offset: 0)
        var calleeEntry = Registers()
        calleeEntry[10] = anyInstructionWritesR10(analysis) ? .unknown : Value(kind: .frame, offset: 0)

        var solver = WorklistSolver<Registers>(blockCount: cfg.blocks.count)
        solver.merge(entry, into: 0)
        // Functions called back by bpf_loop start like callees.
        for target in cfg.functionAddressTargets { solver.merge(calleeEntry, into: cfg.blockOfSlot[target]) }
        while let block = solver.nextBlock() {
            var state = solver.state(of: block)!
            guard walk(cfg.blocks[block], analysis, &state, checks: &checks, record: false) else { continue }
            if analysis.hasLocalCalls, let callee = cfg.callees[block] { solver.merge(calleeEntry, into: callee) }
            for successor in cfg.blocks[block].successors { solver.merge(state, into: successor) }
        }
        // Recording pass over the fixed point.
        for block in cfg.blocks.indices {
            guard var state = solver.state(of: block) else { continue }
            _ = walk(cfg.blocks[block], analysis, &state, checks: &checks, record: true)
        }
        return checks
    }

    /// Runs `state` through `block`, filling in the check of each access in `checks` when
    /// `record`; returns whether control leaves the block through its edges (`false` when it traps).
    static func walk(
        _ block: BasicBlock, _ analysis: ProgramAnalysis, _ state: inout Registers, checks: inout [AccessCheck], record: Bool
    ) -> Bool {
        for pc in block.slots {
            switch analysis.slots[pc] {
            case .trap:
                return false
            case .wideSecondHalf, .conditionalTrap:
                continue
            case .operation(let operation):
                if record { checks[pc] = check(operation, state) }
                transfer(operation, &state)
            }
        }
        return true
    }

    /// The check for a load, store or atomic in `state`; `.generic` for anything else.
    static func check(_ operation: DecodedOperation, _ state: Registers) -> AccessCheck {
        let base: UInt8, size: MemorySize, displacement: Int16
        switch operation {
        case .load(let width, _, let register, let offset, _): (base, size, displacement) = (register, width, offset)
        case .store(let width, let register, let offset, _): (base, size, displacement) = (register, width, offset)
        case .atomic(_, let width, let register, let offset, _): (base, size, displacement) = (register, width, offset)
        default: return .generic
        }
        let value = state[base]
        let (offset, overflow) = value.offset.addingReportingOverflow(Int64(displacement))
        if overflow { return .generic }
        switch value.kind {
        case .frame:
            let frame = Int64(ExecutionLimits.stackFrameSize)
            return offset >= -frame && offset + Int64(size.byteCount) <= 0 ? .none : .generic
        case .input:
            if offset >= 0, let small = Int32(exactly: offset) { return .inputOffset(small) }
            return .inputFirst
        case .inputDerived:
            return .inputFirst
        case .unknown, .constant:
            return .generic
        }
    }

    /// Applies one instruction to `state` (control flow is the graph's business).
    static func transfer(_ operation: DecodedOperation, _ state: inout Registers) {
        switch operation {
        case .alu(let op, .bits64, let dst, let source):
            let operand: Value = switch source {
            case .register(let src): state[src]
            case .immediate(let immediate): .constant(Int64(immediate))
            }
            switch op {
            case .mov: state[dst] = operand
            case .add: state[dst] = sum(state[dst], operand, negate: false)
            case .sub: state[dst] = sum(state[dst], operand, negate: true)
            default: state[dst] = .unknown
            }
        case .alu(.mov, .bits32, let dst, .immediate(let immediate)):
            state[dst] = .constant(Int64(UInt32(bitPattern: immediate)))
        case .alu(_, _, let dst, _), .negate(_, let dst), .byteSwap(_, let dst), .moveSignExtended(_, let dst, _, _),
             .loadImmediate64(let dst, _, _), .load(_, let dst, _, _, _):
            state[dst] = .unknown
        case .atomic(_, _, _, _, let src):
            // Fetch forms write src; cmpxchg writes R0.
            state[src] = .unknown
            state[0] = .unknown
        case .packetLoad, .callHelper, .callRegister, .callLocal:
            // A local call: R0–R5 are the callee's results or clobbered; R6–R10 are restored.
            state.clobberCallerSaved()
        case .store, .jump, .conditionalJump, .exit:
            break
        }
    }

    /// `a + b` (or `a - b`) for tracked values: pointer ± constant stays a pointer, constants
    /// fold; an input pointer ± anything else but a pointer is input-derived.
    static func sum(_ a: Value, _ b: Value, negate: Bool) -> Value {
        switch (a.kind, b.kind) {
        case (.constant, .constant), (.input, .constant), (.frame, .constant):
            return Value(kind: a.kind, offset: negate ? a.offset &- b.offset : a.offset &+ b.offset)
        case (.constant, .input), (.constant, .frame):
            return negate ? .unknown : Value(kind: b.kind, offset: a.offset &+ b.offset)
        case (.input, .unknown), (.inputDerived, .unknown), (.inputDerived, .constant):
            return .inputDerived
        case (.unknown, .input), (.unknown, .inputDerived), (.constant, .inputDerived):
            return negate ? .unknown : .inputDerived
        default:
            return .unknown
        }
    }

    /// Whether any instruction that runs may write R10 (then a callee's R10 is not known to be
    /// its frame top). Every atomic counts as writing its source.
    static func anyInstructionWritesR10(_ analysis: ProgramAnalysis) -> Bool {
        analysis.slots.contains { slot in
            guard case .operation(let operation) = slot else { return false }
            switch operation {
            case .alu(_, _, let dst, _), .negate(_, let dst), .byteSwap(_, let dst), .moveSignExtended(_, let dst, _, _),
                 .loadImmediate64(let dst, _, _), .load(_, let dst, _, _, _):
                return dst == 10
            case .atomic(_, _, _, _, let src):
                return src == 10
            default:
                return false
            }
        }
    }
}
