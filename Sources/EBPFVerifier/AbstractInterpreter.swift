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

    /// The program's decoded form and control-flow graph, shared with the other stages.
    let program: DecodedProgram
    /// `program.slots`, held directly for the walk.
    let slots: [DecodedSlot]
    /// Where states are stored and compared (``PrunePoints``).
    let isPrunePoint: [Bool]
    let liveness: Liveness
    /// Stack slots that may be read before written (the bounded walk ignores the others when
    /// it compares states); `nil` under widening, whose joins keep every slot.
    let stackLiveness: StackLiveness?
    let helpers: HelperRegistry
    let options: VerifierOptions
    /// `true` at each call of the helper tagged ``EBPFCore/HelperIntrinsic/loop`` (`bpf_loop`).
    let isLoopCall: [Bool]

    // The current path.
    var state: VerifierState
    var pc = 0
    var parent: VisitedState?
    /// Conditional jumps on the current path (from the entry) where both sides were possible:
    /// a state that repeats with no such jump in between repeats on every run that reaches it.
    var decisions = 0
    /// Callback calls by `bpf_loop` on the current path (from the entry): a state that repeats
    /// across one of them is the loop's next iteration, not an endless loop (see
    /// ``executeLoopCall(_:)``).
    var callbackEntries = 0
    /// Set by a callback's `exit`, which goes back to its `bpf_loop` call: the loop's walk
    /// (an index into ``callbackInvariants``) the caller's state joins. That call is not compared
    /// with stored states (the invariant does that).
    var resumingLoop: Int?
    /// One invariant per walk into a `bpf_loop` call (``executeLoopCall(_:)``).
    var callbackInvariants: [LoopInvariant] = []

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

    /// `program` must have passed ``StructuralChecks``.
    init(program: DecodedProgram, helpers: HelperRegistry, options: VerifierOptions) {
        self.program = program
        self.slots = program.slots
        self.isPrunePoint = PrunePoints.of(program)
        self.liveness = Liveness(program, helpers: helpers)
        self.stackLiveness =
            options.loops == .widening ? nil : StackLiveness(program, helpers: helpers, maps: options.maps, isPrunePoint: isPrunePoint)
        self.helpers = helpers
        self.options = options
        self.isLoopCall = program.slots.map { slot in
            guard case .operation(.callHelper(let id)) = slot else { return false }
            return helpers[id]?.intrinsic == .loop
        }

        let count = program.count
        visited = Array(repeating: [], count: count)
        executed = Array(repeating: false, count: count)
        divisorMayBeZero = Array(repeating: false, count: count)
        self.isLoopHead = program.controlFlow.isLoopHead
        widens = options.loops == .widening
        thresholds = WideningThresholds(program, contextSize: options.contextSize)

        var entry = FunctionFrame(frameNumber: 0, callSite: -1, functionStart: 0)
        if let context = options.context {
            entry.registers[1] = .pointer(PointerValue(region: .typedContext(size: context.size)))
        } else if let size = options.contextSize {
            entry.registers[1] = .pointer(PointerValue(region: .context(size: size)))
            entry.registers[2] = .constant(UInt64(size))
        } else {
            entry.registers[1] = .pointer(PointerValue(region: .packet))
            entry.registers[2] = .scalar(.unsigned(upTo: UInt64(UInt32.max)), id: Self.memoryLengthID)
        }
        state = VerifierState(frames: [entry])
        state.zone =
            options.context.map { Self.entryZone(maxPacketLength: $0.maxPacketLength) }
            ?? Self.entryZone(contextSize: options.contextSize)
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
            decisions = next.decisions
            callbackEntries = next.callbackEntries
            resumingLoop = nil
            appendLog { "from branch to \(self.pc): \(self.state.kernelDescription)" }
        }
    }

    /// Follows the current path until it exits, is pruned, or reaches an impossible branch.
    private func runPath() throws(VerifierError) {
        while true {
            processed += 1
            if processed > options.processedInstructionBudget {
                throw error(.budgetExhausted, "BPF program is too large. Processed \(processed) insn")
            }
            if isPrunePoint[pc] {
                normalizeZone()
                if let limit = options.undecidedBranchLimit, decisions > limit {
                    throw error(
                        .budgetExhausted,
                        "the bounded walk gave up: more than \(limit) branches on one path whose outcome the verifier could not decide")
                }
            }
            if isPrunePoint[pc], resumingLoop == nil, try isCovered() {
                prunedPaths += 1
                appendLog { "\(self.pc): safe" }
                return
            }
            executed[pc] = true
            let pcBefore = pc
            let operation = slots[pc].operation!
            var relations: [LinearRelation]?
            if !state.relations.isEmpty {
                tightenRelatedPointers()
                relations = relationsAfterStep(operation)
            }
            let deferred = updateZone(before: operation)
            let pathEnded = try step()
            if let relations { state.relations = relations }
            if let deferred { updateZone(after: deferred) }
            appendLog {
                "\(pcBefore): \(InstructionText.render(self.program, at: pcBefore)) ; \(self.state.kernelDescription)"
            }
            if pathEnded { return }
        }
    }

    /// Executes the instruction at `pc` abstractly and moves `pc` on. Returns true when the path
    /// ended (exit from the entry function).
    private func step() throws(VerifierError) -> Bool {
        guard case .operation(let operation) = slots[pc] else {
            preconditionFailure("the structural checks let the walk reach slot \(pc), which holds no instruction")
        }
        switch operation {
        case .alu(let op, let width, let dst, let source):
            try executeALU(op, is32: width == .bits32, dst: dst, source: source)
            pc += 1
        case .negate(let width, let dst):
            try executeNegate(is32: width == .bits32, dst: dst)
            pc += 1
        case .moveSignExtended(let width, let dst, let src, let bits):
            try executeMoveSignExtended(is32: width == .bits32, dst: dst, src: src, fromBits: bits)
            pc += 1
        case .byteSwap(let swap, let dst):
            try executeByteSwap(swap, dst: dst)
            pc += 1
        case .loadImmediate64(let dst, let kind, let value):
            try executeWideLoad(dst: dst, kind: kind, value: value)
            pc += 2
        case .packetLoad(let size, let index, _):
            try executeLegacyPacketLoad(size, index: index)
            pc += 1
        case .load(let size, let dst, let base, let offset, let signExtends):
            try executeLoad(size, dst: dst, base: base, offset: offset, signExtends: signExtends)
            pc += 1
        case .store(let size, let base, let offset, let value):
            try executeStore(size, base: base, offset: offset, value: value)
            pc += 1
        case .atomic(let op, let size, let base, let offset, let src):
            try executeAtomic(op, size, base: base, offset: offset, src: src)
            pc += 1
        case .jump(let target):
            jumpsProcessed += 1
            pc = target
        case .conditionalJump(let condition, let width, let dst, let source, let target):
            jumpsProcessed += 1
            try executeConditionalJump(condition, is32: width == .bits32, dst: dst, source: source, target: target)
        case .callHelper(let id):
            if isLoopCall[pc] { return try executeLoopCall(helpers[id]!) }
            try executeHelperCall(id: id)
            pc += 1
        case .callRegister(let register):
            try executeRegisterCall(register)
            pc += 1
        case .callLocal(let target):
            try executeLocalCall(target: target)
        case .exit:
            return try executeExit()
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
        let callerLive = { (callSite: Int) -> UInt16 in self.callerLiveRegisters(callSite: callSite) }
        let liveStack = stackLiveness?.liveBytes[pc]
        let fingerprint = Self.fingerprint(state, live: live, liveStack: liveStack)
        var inLoop = false
        var index = 0
        var list = visited[pc]
        while index < list.count {
            let old = list[index]
            if old.branches == 0 {
                if old.state.covers(state, liveRegisters: live, callerLive: callerLive, liveStack: liveStack, exact: false) {
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
                    old.state.covers(state, liveRegisters: live, callerLive: callerLive, liveStack: liveStack, exact: true)
                {
                    visited[pc] = list
                    // The state repeats one or more callback calls later: the next iterations
                    // of a bpf_loop, which the stored state's exploration covers (the helper
                    // bounds their number).
                    if old.callbackEntries != callbackEntries {
                        old.hits += 1
                        return true
                    }
                    // Every branch since the stored state was decided by the state itself: every
                    // run that reaches it goes round forever. Otherwise some branch was taken on
                    // an assumption, and the repeat may only mean that the domain lost what
                    // changes from one iteration to the next.
                    if old.decisions == decisions {
                        throw error(.safetyViolation, "infinite loop detected at insn \(pc)")
                    }
                    throw error(
                        .repeatedState,
                        "infinite loop detected at insn \(pc) (the state repeats after branches the verifier could not decide: the loop may not exit, or the verifier does not track what changes)")
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
        stored.decisions = decisions
        stored.callbackEntries = callbackEntries
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
    private static func fingerprint(_ state: VerifierState, live: UInt16, liveStack: StackLiveness.LiveBytes?) -> Int {
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
        for (index, slot) in frame.stack.enumerated() {
            let mask = UInt64(liveStack?.mask(ofSlot: index) ?? 0xff)
            let bytes = (0..<8).reduce(UInt64(0)) { mask & (1 << UInt64($1)) != 0 ? $0 | (0xff << UInt64(8 * $1)) : $0 }
            hasher.combine(slot.kinds & bytes)
        }
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
        decisions += 1
        pending.append(
            PendingPath(state: branchState, pc: target, parent: parent, decisions: decisions, callbackEntries: callbackEntries))
    }

    func freshID() -> UInt32 {
        nextID += 1
        return nextID
    }

    // MARK: - Registers

    /// Reads a register that must be initialised.
    func read(_ register: UInt8) throws(VerifierError) -> RegisterValue {
        let value = state[register: Int(register)]
        guard value.isInitialized else { throw error(.safetyViolation, "R\(register) !read_ok") }
        return value
    }

    /// Writes a register the program names as a destination (R10 is read-only).
    func write(_ register: UInt8, _ value: RegisterValue) throws(VerifierError) {
        guard register != 10 else { throw error(.safetyViolation, "frame pointer is read only") }
        state[register: Int(register)] = value
    }

    // MARK: - Errors and log

    /// An error of `kind` at the current instruction, with the current state and log.
    func error(_ kind: VerifierError.Kind, _ message: String) -> VerifierError {
        VerifierError(kind: kind, index: pc, message: message, registerState: state.kernelDescription, log: log)
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
        var accessIsSafe = [Bool](repeating: false, count: slots.count)
        var divisorIsNonZero = [Bool](repeating: false, count: slots.count)
        for index in slots.indices where executed[index] {
            switch slots[index].operation {
            case .load, .store, .atomic:
                accessIsSafe[index] = true
            case .alu(let op, _, _, .register) where op.isDivision:
                divisorIsNonZero[index] = !divisorMayBeZero[index]
            default:
                break
            }
        }
        if droppedLogLines > 0 { log.append("... \(droppedLogLines) more lines not kept") }
        // Every walk under strict and bounded ended; under widening, each loop needs a counter.
        var loopHeadTerminates = program.controlFlow.isLoopHead
        var terminates = true
        if widens {
            let termination = LoopTermination.analyze(program, helpers: helpers, liveness: liveness) { pc in
                self.invariants.filter { $0.key.pc == pc }.map(\.value.state)
            }
            loopHeadTerminates = termination.loopHeadTerminates
            terminates = termination.terminates
        }
        // bpf_loop may run its callback 2^23 times per call: no instruction bound the engines'
        // budget could rely on, so they keep counting (and agree on when the budget runs out).
        if isLoopCall.contains(true) {
            loopHeadTerminates = Array(repeating: false, count: program.count)
            terminates = false
        }
        let facts = VerifiedFacts(
            accessIsSafe: accessIsSafe, divisorIsNonZero: divisorIsNonZero,
            stackDepth: stackDepthByFunction.values.max() ?? 0, maxCallDepth: maxCallDepth,
            terminates: terminates,
            // readStack and checkHelperMemory reject every read of a stack byte not written before.
            stackIsWrittenBeforeRead: true, loopHeadTerminates: loopHeadTerminates)
        return VerificationResult(
            facts: facts, loops: options.loops, liveRegisters: liveness.liveIn, stackDepthByFunction: stackDepthByFunction,
            statistics: VerifierStatistics(
                processedInstructions: processed, totalStates: totalStates, peakStates: peakStates,
                prunedPaths: prunedPaths, duration: duration),
            log: log)
    }
}
