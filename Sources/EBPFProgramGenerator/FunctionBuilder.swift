import EBPFCore

/// Emits one function of a generated program as structured code (statement sequences, if/else,
/// counted loops), tracking on the way which registers and stack bytes are written on every path
/// so that nothing is read before it is written.
///
/// Register roles: R9 holds the input memory pointer (copied from R1 in every function's prologue
/// and never overwritten), R10 is the frame pointer, R0–R8 hold scalars. Active loop counters
/// (R6–R8) are read-only until their loop closes.
struct FunctionBuilder {
    /// A `call local` whose immediate is filled in when the functions are laid out.
    struct LocalCall: Hashable {
        var slot: Int
        var callee: Int
    }

    /// A finished function.
    struct Output {
        var code: [Instruction]
        var localCalls: [LocalCall]
        /// Upper bound (approximate) of the instructions one call executes.
        var cost: Int
        var containsHazards: Bool
    }

    /// What is known to be written at a point of the function, on every path reaching it.
    struct FlowState: Hashable {
        var defined: RegisterSet
        var stack: StackBytes

        /// The state after two paths join.
        func merged(with other: FlowState) -> FlowState {
            FlowState(defined: defined.intersection(other.defined), stack: stack.intersection(other.stack))
        }
    }

    static let bufferPointer: UInt8 = 9
    static let framePointer: UInt8 = 10

    let index: Int
    let functionCount: Int
    /// Arguments this function takes: R1 (the input memory pointer) through R`arity`.
    let arity: Int
    let calleeCosts: [Int]
    let calleeArities: [Int]
    let memorySize: Int
    let options: RandomProgramGenerator.Options
    var rng: SplitMix64

    var code: [Instruction] = []
    var localCalls: [LocalCall] = []
    var state = FlowState(defined: RegisterSet(), stack: StackBytes())
    /// Counters of the loops being generated: readable, never written.
    var counters = RegisterSet()
    /// How many times the current position may run per call of the function (product of the
    /// iteration counts of the enclosing loops).
    var multiplier = 1
    var cost = 0
    var nesting = 0
    /// Instructions still wanted in this function.
    var remaining = 0
    var containsHazards = false
    /// Slots of the `ja32` (gotol) jumps emitted so far, whose displacement goes in the immediate
    /// rather than the offset when they are patched.
    var longJumpSlots: Set<Int> = []

    init(
        index: Int, functionCount: Int, arity: Int, calleeCosts: [Int], calleeArities: [Int],
        memorySize: Int, options: RandomProgramGenerator.Options, rng: SplitMix64
    ) {
        self.index = index
        self.functionCount = functionCount
        self.arity = arity
        self.calleeCosts = calleeCosts
        self.calleeArities = calleeArities
        self.memorySize = memorySize
        self.options = options
        self.rng = rng
    }

    mutating func build() -> Output {
        remaining = rng.value(in: options.instructionsPerFunction)
        emit(Self.movRegister(dst: Self.bufferPointer, src: 1))
        if index == 0 {
            state.defined.insert(2)  // R2 = input memory length
        } else {
            for register in stride(from: 2, through: arity, by: 1) { define(UInt8(register)) }
        }
        if options.keepsRegistersLive {
            for register in UInt8(0)...8 where !state.defined.contains(register) { emitDefinition(of: register) }
        }
        while remaining > 0 { emitStatement() }
        emitReturn()
        return Output(code: code, localCalls: localCalls, cost: cost, containsHazards: containsHazards)
    }

    // MARK: Registers

    /// Scalar registers written on every path to here.
    var readableScalars: RegisterSet { state.defined.intersection(.scalars) }
    /// Scalar registers that may be overwritten here.
    var writableScalars: RegisterSet { RegisterSet.scalars.subtracting(counters) }

    mutating func define(_ register: UInt8) { state.defined.insert(register) }

    /// R1–R5 are undefined after a call; R0 holds the result. With
    /// ``RandomProgramGenerator/Options/keepsRegistersLive`` R1–R5 are defined again at once,
    /// each from a register that survived the call and a constant.
    mutating func clobberAfterCall() {
        state.defined = state.defined.subtracting(.arguments)
        state.defined.insert(0)
        guard options.keepsRegistersLive else { return }
        for register in UInt8(1)...5 {
            let source = readableScalars.randomMember(using: &rng) ?? 0
            emit(Self.movRegister(dst: register, src: source))
            let operation = rng.element(of: [ALUOperation.xor, .add, .mul])
            emit(Instruction(opcode: InstructionClass.alu64.rawValue | operation.rawValue, dst: register, immediate: randomImmediate()))
            define(register)
        }
    }

    // MARK: Emission

    mutating func emit(_ instruction: Instruction) {
        code.append(instruction)
        cost += multiplier
        remaining -= 1
    }

    /// Emits an unconditional jump to be patched: `ja32` (gotol, 32-bit immediate displacement)
    /// when `long`, else `ja` (16-bit offset).
    mutating func emitJump(long: Bool) {
        if long { longJumpSlots.insert(code.count) }
        emit(Instruction(opcode: long ? Opcode.ja32 : Opcode.ja))
    }

    /// Sets a forward or backward jump's displacement so that it lands on `target`.
    mutating func patchJump(at slot: Int, to target: Int) {
        let distance = target - slot - 1
        if longJumpSlots.contains(slot) {
            code[slot].immediate = Int32(distance)
        } else {
            precondition(distance >= Int(Int16.min) && distance <= Int(Int16.max), "function too large for a 16-bit jump")
            code[slot].offset = Int16(distance)
        }
    }

    static func movRegister(dst: UInt8, src: UInt8, wide: Bool = true) -> Instruction {
        let cls: InstructionClass = wide ? .alu64 : .alu
        return Instruction(opcode: cls.rawValue | ALUOperation.mov.rawValue | OperandSource.register.rawValue, dst: dst, src: src)
    }

    static func movImmediate(dst: UInt8, _ immediate: Int32, wide: Bool = true) -> Instruction {
        let cls: InstructionClass = wide ? .alu64 : .alu
        return Instruction(opcode: cls.rawValue | ALUOperation.mov.rawValue, dst: dst, immediate: immediate)
    }

    /// `lddw dst, value` (two slots).
    mutating func emitWide(dst: UInt8, _ value: UInt64) {
        emit(Instruction(opcode: Opcode.lddw, dst: dst, immediate: Int32(truncatingIfNeeded: value)))
        emit(Instruction(opcode: 0, immediate: Int32(truncatingIfNeeded: value >> 32)))
        define(dst)
    }

    // MARK: Statements

    enum Statement: CaseIterable {
        case alu, wideConstant, conditional, loop, stackStore, stackLoad, bufferStore, bufferLoad
        case atomic, localCall, helperCall, packetLoad
        // Last, so that while their weights are 0 the other statements are drawn as before.
        case guardedBufferAccess, stackIndexedAccess, narrowSpill
    }

    func weight(of statement: Statement) -> Int {
        let weights = options.weights
        switch statement {
        case .alu: return weights.alu
        case .wideConstant: return weights.wideConstant
        case .conditional: return nesting < options.maxNesting ? weights.conditional : 0
        case .loop:
            return options.loops && nesting < options.maxNesting && options.maxLoopIterations >= 1
                && !RegisterSet.calleeSavedScalars.subtracting(counters).isEmpty ? weights.loop : 0
        case .stackStore: return weights.stackStore
        case .stackLoad: return state.stack.isEmpty ? 0 : weights.stackLoad
        case .bufferStore: return memorySize > 0 ? weights.bufferStore : 0
        case .bufferLoad: return memorySize > 0 ? weights.bufferLoad : 0
        case .atomic: return options.atomics ? weights.atomic : 0
        case .localCall: return options.localCalls && index + 1 < functionCount ? weights.localCall : 0
        case .helperCall: return options.helperCalls || options.registerCalls ? weights.helperCall : 0
        case .packetLoad: return options.packetLoads && memorySize > 0 ? weights.packetLoad : 0
        case .guardedBufferAccess: return memorySize > 0 ? weights.guardedBufferAccess : 0
        case .stackIndexedAccess: return weights.stackIndexedAccess
        case .narrowSpill: return memorySize > 0 ? weights.narrowSpill : 0
        }
    }

    mutating func emitStatement() {
        if options.hazardPercent > 0 && rng.below(100) < options.hazardPercent {
            emitHazard()
            return
        }
        var total = 0
        for statement in Statement.allCases { total += weight(of: statement) }
        guard total > 0 else {
            emitALU()
            return
        }
        var pick = rng.below(total)
        for statement in Statement.allCases {
            let weight = weight(of: statement)
            if pick < weight {
                emit(statement)
                return
            }
            pick -= weight
        }
    }

    mutating func emit(_ statement: Statement) {
        switch statement {
        case .alu: emitALU()
        case .wideConstant: emitWideConstant()
        case .conditional: emitConditional()
        case .loop: emitLoop()
        case .stackStore: emitStackStore()
        case .stackLoad: emitStackLoad()
        case .bufferStore: emitBufferStore()
        case .bufferLoad: emitBufferLoad()
        case .atomic: emitAtomic()
        case .localCall: emitLocalCall()
        case .helperCall: emitHelperCall()
        case .packetLoad: emitPacketLoad()
        case .guardedBufferAccess: emitGuardedBufferAccess()
        case .stackIndexedAccess: emitStackIndexedAccess()
        case .narrowSpill: emitNarrowSpill()
        }
    }

    /// A nested statement sequence (the body of a conditional or a loop).
    mutating func emitBlock(statements: Int) {
        for _ in 0..<statements { emitStatement() }
    }

    /// Folds some written scalars into R0 (so the result depends on them) and exits.
    mutating func emitReturn() {
        let readable = readableScalars
        if !readable.contains(0) {
            if let source = readable.randomMember(using: &rng) {
                emit(Self.movRegister(dst: 0, src: source))
            } else {
                emit(Self.movImmediate(dst: 0, randomImmediate()))
            }
            define(0)
        }
        let folds: [ALUOperation] = [.xor, .add, .sub]
        if options.keepsRegistersLive {
            for source in UInt8(1)...8 where readableScalars.contains(source) {
                let operation = rng.element(of: folds)
                emit(Instruction(opcode: InstructionClass.alu64.rawValue | operation.rawValue | OperandSource.register.rawValue, dst: 0, src: source))
            }
        }
        for _ in 0..<rng.value(in: 1...4) {
            guard let source = readableScalars.randomMember(using: &rng), source != 0 else { continue }
            let operation = rng.element(of: folds)
            emit(Instruction(opcode: InstructionClass.alu64.rawValue | operation.rawValue | OperandSource.register.rawValue, dst: 0, src: source))
        }
        emit(Instruction(opcode: Opcode.exit))
    }
}
