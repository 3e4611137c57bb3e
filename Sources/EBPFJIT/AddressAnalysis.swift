import EBPFCore

/// What the JIT proves about memory accesses on its own, without the verifier: a forward
/// data-flow analysis that tracks, per eBPF register, whether it holds a known constant, the
/// input memory's base plus a constant, or the current frame's top (R10 at function entry) plus
/// a constant. Only exact equalities are tracked, so at a join two different values give
/// "unknown", and the analysis reaches its fixed point after a few visits of each block.
///
/// The result is one ``AccessCheck`` per slot:
/// - an access `[frame + c]` with `-512 <= c` and `c + size <= 0` lies inside the current
///   512-byte frame, which lies inside the stack area at every call depth the code allows (the
///   frame of depth `d` ≤ 7 starts at `stackTop - 512 * d`), so it needs no check at all;
/// - an access `[input + c]` with `c >= 0` is in bounds exactly when `c` is below the run's
///   start count for its size: one compare with the context instead of two range checks.
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
    }

    /// One register's tracked value.
    struct Value: Equatable {
        enum Kind: UInt8 { case unknown, constant, input, frame }
        var kind: Kind
        /// The constant, or the offset from the base (wrapping, as the registers do).
        var offset: Int64

        static let unknown = Value(kind: .unknown, offset: 0)
        static func constant(_ value: Int64) -> Value { Value(kind: .constant, offset: value) }
    }

    /// Indexed by slot; `.generic` everywhere but loads, stores and atomics the analysis proved something about.
    let checks: [AccessCheck]

    init(_ analysis: ProgramAnalysis) {
        var solver = Solver(analysis)
        solver.solve()
        self.checks = solver.checks
    }

    /// The fixed-point iteration, as a value with mutating methods (no closures capturing
    /// mutable state, so no dynamic exclusivity checks on the hot path).
    private struct Solver {
        static let registerCount = 11
        let analysis: ProgramAnalysis
        var checks: [AccessCheck]
        /// Block index of each leader slot, -1 elsewhere; the leaders in order.
        var blockOf: [Int]
        var leaders: [Int] = []
        /// In-state of each block (`registerCount` values per block).
        var states: [Value]
        var reached: [Bool]
        var queued: [Bool]
        /// How many blocks are queued.
        var pending = 0
        /// The state while walking a block.
        var state: [Value]
        var calleeEntry: [Value]
        var record = false

        init(_ analysis: ProgramAnalysis) {
            self.analysis = analysis
            let count = analysis.slots.count
            checks = Array(repeating: .generic, count: count)
            blockOf = Array(repeating: -1, count: count)
            for pc in 0..<count where analysis.isLeader[pc] {
                blockOf[pc] = leaders.count
                leaders.append(pc)
            }
            states = Array(repeating: .unknown, count: leaders.count * Self.registerCount)
            reached = Array(repeating: false, count: leaders.count)
            queued = Array(repeating: false, count: leaders.count)
            state = Array(repeating: .unknown, count: Self.registerCount)
            calleeEntry = Array(repeating: .unknown, count: Self.registerCount)
            calleeEntry[10] = AddressAnalysis.anyInstructionWritesR10(analysis) ? .unknown : Value(kind: .frame, offset: 0)
        }

        mutating func solve() {
            guard !leaders.isEmpty else { return }
            state[1] = Value(kind: .input, offset: 0)
            state[10] = Value(kind: .frame, offset: 0)
            mergeState(into: 0)
            // Sweeps in block order (close to reverse post-order for compiled code: a change
            // reaches the blocks after it in the same sweep) until no block is queued.
            while pending > 0 {
                for block in 0..<leaders.count where queued[block] {
                    queued[block] = false
                    pending -= 1
                    load(block)
                    walk(block: block)
                }
            }
            // Recording pass over the fixed point.
            record = true
            for block in 0..<leaders.count where reached[block] {
                load(block)
                walk(block: block)
            }
        }

        mutating func load(_ block: Int) {
            let base = block * Self.registerCount
            for n in 0..<Self.registerCount { state[n] = states[base + n] }
        }

        /// Merges `state` (or the callee entry state) into block `block`'s in-state; queues it
        /// when that changed.
        mutating func mergeState(into block: Int, calleeEntry useCallee: Bool = false) {
            let base = block * Self.registerCount
            var changed = false
            if !reached[block] {
                reached[block] = true
                for n in 0..<Self.registerCount { states[base + n] = useCallee ? calleeEntry[n] : state[n] }
                changed = true
            } else {
                for n in 0..<Self.registerCount {
                    let incoming = useCallee ? calleeEntry[n] : state[n]
                    if states[base + n] != incoming && states[base + n] != .unknown {
                        states[base + n] = .unknown
                        changed = true
                    }
                }
            }
            if changed && !queued[block] {
                queued[block] = true
                pending += 1
            }
        }

        /// Walks the block with `state`, propagating to successors, and (when `record`) filling
        /// in the checks.
        mutating func walk(block: Int) {
            let count = analysis.slots.count
            let leader = leaders[block]
            var pc = leader
            while pc < count {
                if pc != leader && analysis.isLeader[pc] {
                    mergeState(into: blockOf[pc])
                    return
                }
                guard let shape = analysis.shapes[pc] else {
                    if case .trap = analysis.slots[pc] { return }
                    pc += 1   // an lddw's second half, or a conditional trap not taken
                    continue
                }
                let instruction = analysis.instructions[pc]
                if record { checks[pc] = AddressAnalysis.check(instruction, shape, state) }
                switch AddressAnalysis.transfer(instruction, shape, at: pc, state: &state) {
                    case .fallThrough:
                        pc += shape == .dstWideImmediate ? 2 : 1
                    case .stop:
                        return
                    case .jump(let target, let fallsThrough):
                        if let target, analysis.isValidTarget(target) { mergeState(into: blockOf[target]) }
                        if !fallsThrough { return }
                        pc += 1
                    case .localCall(let target):
                        if let target, analysis.isValidTarget(target) { mergeState(into: blockOf[target], calleeEntry: true) }
                        // R0–R5 are the callee's results or clobbered; R6–R10 are restored.
                        for n in 0...5 { state[n] = .unknown }
                        pc += 1
                }
            }
        }
    }

    /// Where control goes after one instruction.
    enum Successor {
        case fallThrough
        case stop
        case jump(target: Int?, fallsThrough: Bool)
        case localCall(target: Int?)
    }

    /// The check for a load, store or atomic in `state`; `.generic` for anything else.
    static func check(_ instruction: Instruction, _ shape: OperandShape, _ state: [Value]) -> AccessCheck {
        let baseRegister: UInt8
        switch InstructionClass(rawValue: instruction.opcode & 0x07)! {
        case .ldx: baseRegister = instruction.src
        case .st, .stx: baseRegister = instruction.dst
        default: return .generic
        }
        let size = Int64(MemorySize(rawValue: instruction.opcode & 0x18)!.byteCount)
        let value = state[Int(baseRegister)]
        let (offset, overflow) = value.offset.addingReportingOverflow(Int64(instruction.offset))
        if overflow { return .generic }
        switch value.kind {
        case .frame:
            let frame = Int64(ExecutionLimits.stackFrameSize)
            return offset >= -frame && offset + size <= 0 ? .none : .generic
        case .input:
            if offset >= 0, let small = Int32(exactly: offset) { return .inputOffset(small) }
            return .generic
        case .unknown, .constant:
            return .generic
        }
    }

    /// Applies one instruction to `state`; returns where control goes.
    static func transfer(_ instruction: Instruction, _ shape: OperandShape, at pc: Int, state: inout [Value]) -> Successor {
        let dst = Int(instruction.dst)
        let src = Int(instruction.src)
        let immediate = Int64(instruction.immediate)
        switch InstructionClass(rawValue: instruction.opcode & 0x07)! {
        case .alu64:
            let operation = ALUOperation(rawValue: instruction.opcode & 0xf0)!
            let isRegister = shape == .dstSource
            let operand: Value = isRegister ? state[src] : .constant(immediate)
            switch operation {
            case .mov where instruction.offset == 0:
                state[dst] = operand
            case .add:
                state[dst] = sum(state[dst], operand, negate: false)
            case .sub:
                state[dst] = sum(state[dst], operand, negate: true)
            default:
                state[dst] = .unknown
            }
            return .fallThrough
        case .alu:
            let operation = ALUOperation(rawValue: instruction.opcode & 0xf0)!
            if operation == .mov && shape == .dstImmediate {
                state[dst] = .constant(Int64(UInt32(bitPattern: instruction.immediate)))
            } else {
                state[dst] = .unknown
            }
            return .fallThrough
        case .ld:
            if shape == .dstWideImmediate {
                state[dst] = .unknown
            } else {
                // ldabs/ldind write R0; treat R1–R5 as clobbered too (as the kernel does).
                for n in 0...5 { state[n] = .unknown }
            }
            return .fallThrough
        case .ldx:
            state[dst] = .unknown
            return .fallThrough
        case .st:
            return .fallThrough
        case .stx:
            if MemoryMode(rawValue: instruction.opcode & 0xe0) == .atomic {
                // Fetch forms write src; cmpxchg writes R0.
                state[src] = .unknown
                state[0] = .unknown
            }
            return .fallThrough
        case .jmp, .jmp32:
            switch shape {
            case .helperCall, .registerCall:
                for n in 0...5 { state[n] = .unknown }
                return .fallThrough
            case .localCall:
                return .localCall(target: Program.branchTarget(of: instruction, at: pc))
            case .none:
                // exit
                return .stop
            default:
                let operation = JumpOperation(rawValue: instruction.opcode & 0xf0)
                let conditional = operation != .ja
                return .jump(target: Program.branchTarget(of: instruction, at: pc), fallsThrough: conditional)
            }
        }
    }

    /// `a + b` (or `a - b`) for tracked values: pointer ± constant stays a pointer, constants fold.
    static func sum(_ a: Value, _ b: Value, negate: Bool) -> Value {
        switch (a.kind, b.kind) {
        case (.constant, .constant), (.input, .constant), (.frame, .constant):
            return Value(kind: a.kind, offset: negate ? a.offset &- b.offset : a.offset &+ b.offset)
        case (.constant, .input), (.constant, .frame):
            return negate ? .unknown : Value(kind: b.kind, offset: a.offset &+ b.offset)
        default:
            return .unknown
        }
    }

    /// Whether any instruction may write R10 (then a callee's R10 is not known to be its frame top).
    static func anyInstructionWritesR10(_ analysis: ProgramAnalysis) -> Bool {
        for pc in 0..<analysis.slots.count {
            guard analysis.shapes[pc] != nil else { continue }
            let instruction = analysis.instructions[pc]
            switch InstructionClass(rawValue: instruction.opcode & 0x07)! {
            case .alu, .alu64, .ldx, .ld:
                if instruction.dst == 10 { return true }
            case .stx:
                if MemoryMode(rawValue: instruction.opcode & 0xe0) == .atomic && instruction.src == 10 { return true }
            default:
                break
            }
        }
        return false
    }
}
