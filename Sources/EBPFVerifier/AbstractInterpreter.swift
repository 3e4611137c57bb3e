import EBPFCore

/// Walks every path of a structurally valid program with abstract register and stack states
/// (depth first, one branch at a time, pending branches on a stack), checking each instruction
/// and collecting the facts the engines use. States are stored at prune points; a path whose
/// state is covered by a completely explored stored state stops there.
///
/// A class because the walk mutates a lot of state in place; one instance verifies one program.
final class AbstractInterpreter {
    /// The id shared by every copy of the input memory's length (R2 at entry) when the length is
    /// not known, so a comparison on any copy proves bytes of the memory readable.
    static let memoryLengthID: UInt32 = 1
    /// Largest offset a packet range may prove (the kernel's `MAX_PACKET_OFF`).
    static let maxPacketOffset: Int64 = 0xffff
    /// Largest constant or variable offset pointer arithmetic may produce (`BPF_MAX_VAR_OFF`).
    static let maxVariableOffset: Int64 = 1 << 29

    let structure: ProgramStructure
    let liveness: Liveness
    let helpers: HelperRegistry
    let options: VerifierOptions
    let instructions: [Instruction]

    // The current path.
    var state: VerifierState
    var pc = 0
    var parent: VisitedState?

    // Exploration.
    var pending: [PendingPath] = []
    var visited: [[VisitedState]]
    /// Widening policy: the invariant at each loop head, per call chain.
    var invariants: [LoopInvariant.Key: LoopInvariant] = [:]
    let isLoopHead: [Bool]
    let widens: Bool
    let thresholds: WideningThresholds
    var nextID: UInt32 = 2
    var processed = 0
    var storedStates = 0
    var totalStates = 0
    var peakStates = 0
    var prunedPaths = 0
    var jumpsProcessed = 0
    var processedAtLastCheckpoint = 0
    var jumpsAtLastCheckpoint = 0

    // Facts.
    var executed: [Bool]
    var divisorMayBeZero: [Bool]
    var stackDepthByFunction: [Int: Int] = [:]
    var maxCallDepth = 1

    // Log.
    var log: [String] = []
    var droppedLogLines = 0

    init(structure: ProgramStructure, helpers: HelperRegistry, options: VerifierOptions) {
        self.structure = structure
        self.liveness = Liveness(structure, helpers: helpers)
        self.helpers = helpers
        self.options = options
        self.instructions = structure.instructions
        let count = structure.instructions.count
        visited = Array(repeating: [], count: count)
        executed = Array(repeating: false, count: count)
        divisorMayBeZero = Array(repeating: false, count: count)
        var isLoopHead = [Bool](repeating: false, count: count)
        for head in structure.loopHeads { isLoopHead[head] = true }
        self.isLoopHead = isLoopHead
        widens = options.loops == .widening
        thresholds = WideningThresholds(structure, contextSize: options.contextSize)

        var entry = FunctionFrame(frameNumber: 0, callSite: -1, functionStart: 0)
        if let size = options.contextSize {
            entry.registers[1] = .pointer(PointerValue(region: .context(size: size)))
            entry.registers[2] = .constant(UInt64(size))
        } else {
            entry.registers[1] = .pointer(PointerValue(region: .packet))
            entry.registers[2] = .scalar(.unsigned(upTo: UInt64(UInt32.max)), id: Self.memoryLengthID)
        }
        state = VerifierState(frames: [entry])
    }

    /// Explores every path; throws at the first unsafe instruction.
    func run() throws(VerifierError) {
        while true {
            try runPath()
            finishPath()
            guard let next = pending.popLast() else { return }
            state = next.state
            pc = next.pc
            parent = next.parent
            appendLog { "from branch to \(self.pc): \(self.state.kernelDescription)" }
        }
    }

    /// Follows the current path until it exits, is pruned, or reaches an impossible branch.
    private func runPath() throws(VerifierError) {
        while true {
            processed += 1
            if processed > options.processedInstructionBudget {
                throw error("\(Verifier.tooLargeMessage). Processed \(processed) insn")
            }
            if structure.isPrunePoint[pc], try isCovered() {
                prunedPaths += 1
                appendLog { "\(self.pc): safe" }
                return
            }
            executed[pc] = true
            let pcBefore = pc
            let pathEnded: Bool
            if state.relations.isEmpty {
                pathEnded = try step()
            } else {
                tightenRelatedPointers()
                let relations = relationsAfterStep(instructions[pc], structure.descriptors[pc]!)
                pathEnded = try step()
                state.relations = relations
            }
            appendLog {
                "\(pcBefore): \(InstructionText.render(self.instructions, at: pcBefore)) ; \(self.state.kernelDescription)"
            }
            if pathEnded { return }
        }
    }

    /// Executes the instruction at `pc` abstractly and moves `pc` on. Returns true when the path
    /// ended (exit from the entry function).
    private func step() throws(VerifierError) -> Bool {
        let instruction = instructions[pc]
        let descriptor = structure.descriptors[pc]!
        switch instruction.instructionClass {
        case .alu, .alu64:
            try executeALU(instruction, descriptor)
            pc += 1
        case .ld:
            if descriptor.shape == .dstWideImmediate {
                try executeWideLoad(instruction)
                pc += 2
            } else {
                try executeLegacyPacketLoad(instruction, descriptor)
                pc += 1
            }
        case .ldx:
            try executeLoad(instruction)
            pc += 1
        case .st, .stx:
            try executeStore(instruction, descriptor)
            pc += 1
        case .jmp, .jmp32:
            switch descriptor.shape {
            case .jumpOffset, .jumpImmediateOffset:
                jumpsProcessed += 1
                pc = ProgramStructure.jumpTarget(of: instruction, descriptor, at: pc)!
            case .compareImmediate, .compareRegister:
                jumpsProcessed += 1
                try executeConditionalJump(instruction, descriptor)
            case .helperCall:
                try executeHelperCall(id: instruction.immediate)
                pc += 1
            case .registerCall:
                try executeRegisterCall(instruction)
                pc += 1
            case .localCall:
                try executeLocalCall(instruction)
            default:
                return try executeExit()
            }
        }
        return false
    }

    // MARK: - States

    /// Whether a stored state makes exploring the current one unnecessary (the policy decides how
    /// states are stored and compared).
    private func isCovered() throws(VerifierError) -> Bool {
        guard widens else { return try isCoveredByVisitedState() }
        if isLoopHead[pc] { return try joinAtLoopHead() }
        return isSubsumedByVisitedState()
    }

    /// Compares the current state with the states stored at `pc`; stores it when it is not
    /// covered. Returns true when the path can stop.
    private func isCoveredByVisitedState() throws(VerifierError) -> Bool {
        let live = liveness.liveIn[pc]
        let callerLive = { (callSite: Int) -> UInt16 in self.liveness.liveIn[callSite + 1] & Liveness.calleeSaved }
        let fingerprint = Self.fingerprint(state, live: live)
        var inLoop = false
        var index = 0
        var list = visited[pc]
        while index < list.count {
            let old = list[index]
            if old.branches == 0 {
                if old.state.covers(state, liveRegisters: live, callerLive: callerLive, exact: false) {
                    old.hits += 1
                    visited[pc] = list
                    return true
                }
                if old.recordMissAndShouldEvict() {
                    list.remove(at: index)
                    storedStates -= 1
                    continue
                }
            } else {
                inLoop = true
                if old.fingerprint == fingerprint,
                    old.state.covers(state, liveRegisters: live, callerLive: callerLive, exact: true)
                {
                    visited[pc] = list
                    throw error("infinite loop detected at insn \(pc)")
                }
            }
            index += 1
        }
        // Inside a loop, store a state only now and then (as the kernel does), so that long
        // loops do not fill the list with states that are compared again and again.
        if inLoop && jumpsProcessed - jumpsAtLastCheckpoint < 20 && processed - processedAtLastCheckpoint < 100 {
            visited[pc] = list
            return false
        }
        let stored = VisitedState(state: state, fingerprint: fingerprint, parent: parent)
        list.append(stored)
        visited[pc] = list
        parent = stored
        storedStates += 1
        totalStates += 1
        peakStates = max(peakStates, storedStates)
        jumpsAtLastCheckpoint = jumpsProcessed
        processedAtLastCheckpoint = processed
        return false
    }

    /// Hash of what exact equality compares, ignoring ids (which may be renamed).
    private static func fingerprint(_ state: VerifierState, live: UInt16) -> Int {
        var hasher = Hasher()
        hasher.combine(state.frames.count)
        let frame = state.frames[state.frames.count - 1]
        for register in 0..<10 where live & (1 << register) != 0 {
            switch frame.registers[register] {
            case .uninitialized: hasher.combine(0)
            case .scalar(let bounds, _): hasher.combine(bounds)
            case .pointer(let pointer):
                hasher.combine(pointer.region)
                hasher.combine(pointer.fixedOffset)
                hasher.combine(pointer.variableOffset)
                hasher.combine(pointer.range)
            }
        }
        for slot in frame.stack { hasher.combine(slot.kinds) }
        return hasher.finalize()
    }

    /// The current path ended: the stored states it came through lose one live branch.
    private func finishPath() {
        var node = parent
        while let current = node {
            current.branches -= 1
            if current.branches > 0 { break }
            node = current.parent
        }
        parent = nil
    }

    /// Queues the other side of a branch.
    func pushBranch(_ branchState: VerifierState, at target: Int) {
        parent?.branches += 1
        pending.append(PendingPath(state: branchState, pc: target, parent: parent))
    }

    func freshID() -> UInt32 {
        nextID += 1
        return nextID
    }

    // MARK: - Registers

    /// Reads a register that must be initialised.
    func read(_ register: UInt8) throws(VerifierError) -> RegisterValue {
        let value = state[register: Int(register)]
        guard value.isInitialized else { throw error("R\(register) !read_ok") }
        return value
    }

    /// Writes a register the program names as a destination (R10 is read-only).
    func write(_ register: UInt8, _ value: RegisterValue) throws(VerifierError) {
        guard register != 10 else { throw error("frame pointer is read only") }
        state[register: Int(register)] = value
    }

    // MARK: - Errors and log

    func error(_ message: String) -> VerifierError {
        VerifierError(index: pc, message: message, registerState: state.kernelDescription, log: log)
    }

    func appendLog(_ line: () -> String) {
        guard options.collectsLog else { return }
        if log.count < options.maxLogLines {
            log.append(line())
        } else {
            droppedLogLines += 1
        }
    }

    // MARK: - Result

    func result(duration: Duration) -> VerificationResult {
        var accessIsSafe = [Bool](repeating: false, count: instructions.count)
        var divisorIsNonZero = [Bool](repeating: false, count: instructions.count)
        for index in instructions.indices where executed[index] {
            let instruction = instructions[index]
            switch instruction.instructionClass {
            case .ldx, .st, .stx:
                accessIsSafe[index] = true
            case .alu, .alu64:
                let operation = instruction.opcode & 0xf0
                let isDivision = operation == ALUOperation.div.rawValue || operation == ALUOperation.mod.rawValue
                if isDivision && instruction.opcode & OperandSource.register.rawValue != 0 {
                    divisorIsNonZero[index] = !divisorMayBeZero[index]
                }
            default:
                break
            }
        }
        if droppedLogLines > 0 { log.append("... \(droppedLogLines) more lines not kept") }
        let facts = VerifiedFacts(
            accessIsSafe: accessIsSafe, divisorIsNonZero: divisorIsNonZero,
            stackDepth: stackDepthByFunction.values.max() ?? 0, maxCallDepth: maxCallDepth,
            terminates: !(widens && !structure.loopHeads.isEmpty),
            // readStack and checkHelperMemory reject every read of a stack byte not written before.
            stackIsWrittenBeforeRead: true)
        var live = liveness.liveIn
        for index in live.indices where structure.descriptors[index] == nil { live[index] = 0 }
        return VerificationResult(
            facts: facts, loops: options.loops, liveRegisters: live, stackDepthByFunction: stackDepthByFunction,
            statistics: VerifierStatistics(
                processedInstructions: processed, totalStates: totalStates, peakStates: peakStates,
                prunedPaths: prunedPaths, duration: duration),
            log: log)
    }
}
