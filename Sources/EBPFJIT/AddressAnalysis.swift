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
        let slots = analysis.slots
        let instructions = analysis.instructions
        let count = slots.count
        var checks = Array(repeating: AccessCheck.generic, count: count)
        guard count > 0 else {
            self.checks = checks
            return
        }
        // Blocks: leaders and their index.
        var blockOf = Array(repeating: -1, count: count)
        var leaders: [Int] = []
        for pc in 0..<count where analysis.isLeader[pc] {
            blockOf[pc] = leaders.count
            leaders.append(pc)
        }
        let writesFramePointer = Self.anyInstructionWritesR10(analysis)
        let registerCount = 11
        // In-state of each block (registerCount values per block) and whether it was reached.
        var states = Array(repeating: Value.unknown, count: leaders.count * registerCount)
        var reached = Array(repeating: false, count: leaders.count)
        var queued = Array(repeating: false, count: leaders.count)
        var worklist: [Int] = []
        worklist.reserveCapacity(leaders.count)

        var entry = Array(repeating: Value.unknown, count: registerCount)
        entry[1] = Value(kind: .input, offset: 0)
        entry[10] = Value(kind: .frame, offset: 0)
        var calleeEntry = Array(repeating: Value.unknown, count: registerCount)
        calleeEntry[10] = writesFramePointer ? .unknown : Value(kind: .frame, offset: 0)

        /// Merges `state` into block `block`'s in-state; queues it when that changed.
        func merge(_ state: [Value], into block: Int) {
            let base = block * registerCount
            var changed = false
            if !reached[block] {
                reached[block] = true
                for n in 0..<registerCount { states[base + n] = state[n] }
                changed = true
            } else {
                for n in 0..<registerCount where states[base + n] != state[n] && states[base + n] != .unknown {
                    states[base + n] = .unknown
                    changed = true
                }
            }
            if changed && !queued[block] {
                queued[block] = true
                worklist.append(block)
            }
        }

        merge(entry, into: 0)
        var state = entry
        var record = false
        // Walks the block from `leader` with `state`, propagating to successors, and (when
        // `record`) filling in the checks. The walk itself is shared by both phases.
        func walk(block: Int) {
            var pc = leaders[block]
            while pc < count {
                if pc != leaders[block] && analysis.isLeader[pc] {
                    merge(state, into: blockOf[pc])
                    return
                }
                let instruction = instructions[pc]
                switch slots[pc] {
                case .wideSecondHalf:
                    pc += 1
                    continue
                case .trap:
                    return
                case .conditionalTrap:
                    pc += 1
                    continue
                case .instruction(let descriptor):
                    if record { checks[pc] = Self.check(instruction, descriptor, state) }
                    let next = Self.transfer(instruction, descriptor, at: pc, state: &state)
                    switch next {
                    case .fallThrough:
                        pc += descriptor.shape == .dstWideImmediate ? 2 : 1
                    case .stop:
                        return
                    case .jump(let target, let fallsThrough):
                        if let target, analysis.isValidTarget(target) { merge(state, into: blockOf[target]) }
                        if !fallsThrough { return }
                        pc += 1
                    case .localCall(let target):
                        if let target, analysis.isValidTarget(target) { merge(calleeEntry, into: blockOf[target]) }
                        // R0–R5 are the callee's results or clobbered; R6–R10 are restored.
                        for n in 0...5 { state[n] = .unknown }
                        pc += 1
                    }
                }
            }
        }
        while let block = worklist.popLast() {
            queued[block] = false
            let base = block * registerCount
            for n in 0..<registerCount { state[n] = states[base + n] }
            walk(block: block)
        }
        // Recording pass over the fixed point.
        record = true
        for block in 0..<leaders.count where reached[block] {
            let base = block * registerCount
            for n in 0..<registerCount { state[n] = states[base + n] }
            walk(block: block)
        }
        self.checks = checks
    }

    /// Where control goes after one instruction.
    enum Successor {
        case fallThrough
        case stop
        case jump(target: Int?, fallsThrough: Bool)
        case localCall(target: Int?)
    }

    /// The check for a load, store or atomic in `state`; `.generic` for anything else.
    static func check(_ instruction: Instruction, _ descriptor: OpcodeDescriptor, _ state: [Value]) -> AccessCheck {
        let baseRegister: UInt8
        switch descriptor.instructionClass {
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
    static func transfer(_ instruction: Instruction, _ descriptor: OpcodeDescriptor, at pc: Int, state: inout [Value]) -> Successor {
        let dst = Int(instruction.dst)
        let src = Int(instruction.src)
        let immediate = Int64(instruction.immediate)
        switch descriptor.instructionClass {
        case .alu64:
            let operation = ALUOperation(rawValue: instruction.opcode & 0xf0)!
            let isRegister = descriptor.shape == .dstSource
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
            if operation == .mov && descriptor.shape == .dstImmediate {
                state[dst] = .constant(Int64(UInt32(bitPattern: instruction.immediate)))
            } else {
                state[dst] = .unknown
            }
            return .fallThrough
        case .ld:
            if descriptor.shape == .dstWideImmediate {
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
            switch descriptor.shape {
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
            guard case .instruction(let descriptor) = analysis.slots[pc] else { continue }
            let instruction = analysis.instructions[pc]
            switch descriptor.instructionClass {
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
