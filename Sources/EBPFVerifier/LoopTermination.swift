import EBPFCore

/// Proves, under the widening loop policy, that loops exit, and bounds how long a run takes: a
/// loop head is *ranked* when some counter (a register or a stack cell) moves by a constant
/// amount of at least 1 in the same direction on every way round the loop, and the loop
/// invariant keeps it inside a range it cannot wrap around in.
///
/// The loop heads are those of the control-flow graph's depth-first search
/// (``EBPFCore/ControlFlowGraph/isLoopHead``); the *region* of head H is every block of H's
/// function that the search reached from H and that leads back to H through such blocks. For
/// each head, a forward data-flow analysis (``CounterState``) follows the values of R0–R9 and of
/// the frame's stack cells from H along the region's blocks back to H, as `base + d` with `d` in
/// a constant interval (``CounterDelta``) modulo the narrowest width the arithmetic went through
/// (conditions are ignored: every way is followed). A counter V ranks H when every way back gives
/// V ≡ V₀ + d (mod 2^w) with `d` ≥ s ≥ 1 everywhere (or ≤ −s), and each loop invariant at H
/// bounds V to [lo, hi] with `max |d| + (hi − lo) < 2^w` (in the unsigned or the signed view).
/// Then V₁ − V₀ is exactly `d`: V moves by at least s within [lo, hi] from one pass of H to the
/// next, so a run that stays inside the region passes H at most N = (hi − lo)/s + 1 times.
///
/// Bounds: in one activation of a function, follow for each head the passes made since the run
/// last entered its region. The pair (current block, those counts) never repeats: between two
/// equal pairs the run closes a cycle; the cycle's block the search found first is a head whose
/// region holds the whole cycle, so the cycle stays in that region and passes its head, and the
/// count grows. A head's count is 0 outside its region and at most N inside, so block b runs at
/// most Π(N + 1) times over the heads whose regions hold b — with every head ranked, every run
/// ends. The bound of a function adds up, block by block, that product times the block's
/// instructions (and, for a `call local`, its callee's bound; calls nest at most 8 deep). The
/// program's bound gives ``Result/terminates``, the bound of a region alone
/// ``Result/loopHeadTerminates``, when within ``instructionLimit``.
enum LoopTermination {
    /// Block visits the analyses of one program may make before giving up (heads left unproven).
    static let workLimit = 200_000
    /// The most instructions a proven run may take: the engines' default budget, so that under
    /// the default limits a run the facts call terminating never meets the budget.
    static let instructionLimit = ExecutionLimits.defaultInstructionBudget

    struct Result {
        /// `true` at each loop head whose region is proven to exit within ``instructionLimit``
        /// instructions, whatever state it is entered in.
        var loopHeadTerminates: [Bool]
        /// Every run of the program ends within ``instructionLimit`` instructions.
        var terminates: Bool
    }

    /// `invariants(pc)` gives the states the widening policy's loop invariants hold at the head
    /// `pc`, one per calling context (none when the analysis never reached it).
    static func analyze(
        _ program: DecodedProgram, helpers: HelperRegistry, liveness: Liveness, invariants: (Int) -> [VerifierState]
    ) -> Result {
        let graph = program.controlFlow
        var result = Result(loopHeadTerminates: Array(repeating: false, count: program.count), terminates: !graph.hasLoops)
        guard graph.hasLoops, let search = SearchTree(graph), search.heads == graph.isLoopHead else { return result }
        let heads = graph.blocks.indices.filter { graph.isLoopHead[graph.blocks[$0].start] }
        var regions: [Int: [Bool]] = [:]
        for head in heads { regions[head] = search.region(of: head, graph) }
        // Passes of each head within one stay in its region (nil: not ranked).
        var passes: [Int: UInt64?] = [:]
        var work = 0
        for head in heads {
            passes[head] = self.passes(
                head, region: regions[head]!, program: program, helpers: helpers, liveness: liveness,
                invariants: invariants, work: &work)
        }
        var bounds = RunBounds(program: program, search: search, passes: passes, regions: regions)
        for head in heads {
            let region = graph.blocks.indices.filter { regions[head]![$0] }
            if let bound = bounds.instructions(in: region, heads: heads.filter { regions[head]![$0] }),
                bound <= instructionLimit
            {
                result.loopHeadTerminates[graph.blocks[head].start] = true
            }
        }
        if let bound = bounds.total(function: 0, depth: 1), bound <= instructionLimit { result.terminates = true }
        return result
    }

    /// How often a run staying in `head`'s region can pass the head (the best ranking counter's
    /// bound), or `nil` when no counter ranks it (or the work limit ran out).
    private static func passes(
        _ head: Int, region: [Bool], program: DecodedProgram, helpers: HelperRegistry, liveness: Liveness,
        invariants: (Int) -> [VerifierState], work: inout Int
    ) -> UInt64? {
        let start = program.controlFlow.blocks[head].start
        guard let arrivals = arrivals(at: head, region: region, program: program, helpers: helpers, work: &work) else {
            return nil
        }
        // No way round the region comes back to the head: one pass.
        guard let arrivals else { return 1 }
        let states = invariants(start)
        let live = liveness.liveIn[start]
        var candidates: [CounterDelta.Variable] = (0..<10).filter { live & (1 << $0) != 0 }.map { .register($0) }
        candidates += arrivals.cells.keys.sorted()
        return candidates.compactMap { variable in
            passes(ranking: variable, arrival: value(of: variable, in: arrivals), invariants: states)
        }.min()
    }

    /// The join of the states in which the region's blocks come back to `head`, `.some(nil)`
    /// when none does, `nil` when the work limit ran out.
    private static func arrivals(
        at head: Int, region: [Bool], program: DecodedProgram, helpers: HelperRegistry, work: inout Int
    ) -> CounterState?? {
        let graph = program.controlFlow
        var solver = WorklistSolver<CounterState>(blockCount: graph.blocks.count)
        solver.merge(.atHead, into: head)
        var arrived: CounterState?
        while let block = solver.nextBlock() {
            work += 1
            if work > workLimit { return nil }
            var state = solver.state(of: block)!
            var ends = false
            for pc in graph.blocks[block].slots {
                guard let operation = program[pc] else { continue }
                if case .exit = operation { ends = true }
                transfer(operation, &state, helpers: helpers)
            }
            if ends { continue }
            for successor in graph.blocks[block].successors {
                if successor == head {
                    if arrived == nil { arrived = state } else { _ = arrived!.join(state) }
                } else if region[successor] {
                    solver.merge(state, into: successor)
                }
            }
        }
        return .some(arrived)
    }

    private static func value(of variable: CounterDelta.Variable, in state: CounterState) -> CounterDelta {
        switch variable {
        case .register(let register): state.registers[register]
        case .cell(let offset, let size): state.cell(offset: offset, size: size)
        }
    }

    /// When `variable` moves by at least 1 in one direction on every way round (`arrival`)
    /// without room to wrap around, given its range in every invariant at the head: how often
    /// the head can be passed in one stay in its region.
    private static func passes(
        ranking variable: CounterDelta.Variable, arrival: CounterDelta, invariants: [VerifierState]
    ) -> UInt64? {
        guard case .step(let base, let low, let high, let bits) = arrival, base == variable else { return nil }
        let (smallest, largest): (UInt64, UInt64)
        if low >= 1 {
            (smallest, largest) = (UInt64(low), UInt64(high))
        } else if high <= -1 {
            (smallest, largest) = (high.magnitude, low.magnitude)
        } else {
            return nil
        }
        var passes: UInt64 = 1
        for state in invariants {
            guard let width = span(of: variable, in: state) else { return nil }
            let (total, overflow) = width.addingReportingOverflow(largest)
            if overflow { return nil }
            if bits < 64 && total >= UInt64(1) << UInt64(bits) { return nil }
            let (count, countOverflow) = (width / smallest).addingReportingOverflow(1)
            passes = max(passes, countOverflow ? .max : count)
        }
        return passes
    }

    /// hi − lo for the values `variable` has in `state`, the invariant at a loop head: the
    /// narrower of a number's unsigned and signed ranges; for a pointer (not possibly null), the
    /// range of its offset into the object it points into, which stays the same object while
    /// the loop only adds constants to it.
    static func span(of variable: CounterDelta.Variable, in state: VerifierState) -> UInt64? {
        func width(_ bounds: ScalarBounds) -> UInt64 {
            min(bounds.unsignedMax - bounds.unsignedMin, UInt64(bitPattern: bounds.signedMax &- bounds.signedMin))
        }
        let frame = state.frames[state.frames.count - 1]
        var value: RegisterValue?
        switch variable {
        case .register(let register): value = frame.registers[register]
        case .cell(let offset, 8) where offset % 8 == 0:
            let slot = frame.stack[FunctionFrame.position(ofOffset: offset).slot]
            if slot.isSpill { value = slot.spilled }
        case .cell: break
        }
        if case .pointer(let pointer)? = value {
            return pointer.maybeNull ? nil : width(pointer.variableOffset)
        }
        return range(of: variable, in: state).map(width)
    }

    /// The numbers `variable` holds in `state`, the invariant at a loop head (its innermost
    /// frame is the loop's function): a register's scalar bounds, or what the stack slot holds
    /// there (a spilled scalar, a narrow store of exactly those bytes, zeros).
    static func range(of variable: CounterDelta.Variable, in state: VerifierState) -> ScalarBounds? {
        let frame = state.frames[state.frames.count - 1]
        switch variable {
        case .register(let register):
            return frame.registers[register].scalarBounds
        case .cell(let offset, let size):
            guard CounterState.bytes(offset: offset, size: size) != nil else { return nil }
            let (slot, byte) = FunctionFrame.position(ofOffset: offset)
            guard byte + size <= 8 else { return nil }
            let stored = frame.stack[slot]
            if stored.isSpill, byte == 0, case .scalar(let bounds, _) = stored.spilled {
                return size == 8 ? bounds : AbstractInterpreter.narrowed(bounds, id: 0, toBytes: size).scalarBounds
            }
            if let part = stored.part(startingAt: byte), part.size == size { return part.value.scalarBounds }
            if (byte..<byte + size).allSatisfy({ stored.kind(at: $0) == .zero }) { return .constant(0) }
            return nil
        }
    }

    // MARK: - Transfer

    /// The effect of one instruction on the values (conditions are not used: every way is
    /// followed).
    static func transfer(_ operation: DecodedOperation, _ state: inout CounterState, helpers: HelperRegistry) {
        switch operation {
        case .alu(let op, let width, let dst, let source):
            let bits = width == .bits32 ? 32 : 64
            let target = Int(dst)
            switch (op, source) {
            case (.mov, .register(let src)):
                state.registers[target] = state.registers[Int(src)].truncated(toBits: bits)
            case (.add, .immediate(let constant)):
                state.registers[target] = state.registers[target].adding(Int64(constant), bits: bits)
            case (.sub, .immediate(let constant)):
                state.registers[target] = state.registers[target].adding(0 &- Int64(constant), bits: bits)
            default:
                state.registers[target] = .unknown
            }
        case .negate(_, let dst), .byteSwap(_, let dst), .moveSignExtended(_, let dst, _, _), .loadImmediate64(let dst, _, _):
            state.registers[Int(dst)] = .unknown
        case .packetLoad:
            state.registers[0] = .unknown
        case .load(let size, let dst, let base, let offset, _):
            // A sign-extending load is still congruent to the stored bytes modulo their width.
            var loaded = CounterDelta.unknown
            if case .frameAddress(let address) = state.registers[Int(base)] {
                loaded = state.cell(offset: Int(address) + Int(offset), size: size.byteCount)
            }
            state.registers[Int(dst)] = loaded
        case .store(let size, let base, let offset, let value):
            let bytes = size.byteCount
            guard case .frameAddress(let address) = state.registers[Int(base)] else {
                state.forgetFrame()
                return
            }
            var stored = CounterDelta.unknown
            if case .register(let src) = value { stored = state.registers[Int(src)].truncated(toBits: 8 * bytes) }
            state.store(stored, offset: Int(address) + Int(offset), size: bytes)
        case .atomic(let op, let size, let base, let offset, let src):
            if case .frameAddress(let address) = state.registers[Int(base)] {
                state.store(.unknown, offset: Int(address) + Int(offset), size: size.byteCount)
            } else {
                state.forgetFrame()
            }
            switch op {
            case .cmpxchg: state.registers[0] = .unknown
            case .fetchAdd, .fetchOr, .fetchAnd, .fetchXor, .xchg: state.registers[Int(src)] = .unknown
            case .add, .or, .and, .xor: break
            }
        case .jump, .conditionalJump, .exit:
            break
        case .callHelper(let id):
            // Only helpers whose arguments are all read-only leave the frame as it was.
            let arguments = helpers[id]?.signature.arguments ?? [.anything]
            if arguments.contains(where: { $0 == .anything || $0 == .writableMemory || $0 == .callbackContext }) {
                state.forgetFrame()
            }
            for register in 0...5 { state.registers[register] = .unknown }
        case .callRegister, .callLocal:
            // The callee may write the frame through a pointer it was given; R6–R9 are kept.
            state.forgetFrame()
            for register in 0...5 { state.registers[register] = .unknown }
        }
    }
}

extension LoopTermination {
    /// The depth-first search of ``EBPFCore/ControlFlowGraph`` again (same order: a block's callee
    /// first, then its successors), keeping the tree: which blocks each block's subtree holds.
    struct SearchTree {
        var discovered: [Int]
        var finished: [Int]
        /// `true` at the first slot of each back-edge target: must equal the graph's loop heads.
        var heads: [Bool]

        init?(_ graph: ControlFlowGraph) {
            let count = graph.blocks.count
            guard count > 0 else { return nil }
            discovered = Array(repeating: -1, count: count)
            finished = Array(repeating: -1, count: count)
            heads = Array(repeating: false, count: graph.isLoopHead.count)
            func edges(_ block: Int) -> [Int] {
                if let callee = graph.callees[block] { return [callee] + graph.blocks[block].successors }
                return graph.blocks[block].successors
            }
            var clock = 0
            var stack: [(block: Int, edges: [Int], next: Int)] = [(0, edges(0), 0)]
            discovered[0] = clock
            clock += 1
            while let top = stack.last {
                if top.next == top.edges.count {
                    finished[top.block] = clock
                    clock += 1
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let target = top.edges[top.next]
                if discovered[target] < 0 {
                    discovered[target] = clock
                    clock += 1
                    stack.append((target, edges(target), 0))
                } else if finished[target] < 0 {
                    heads[graph.blocks[target].start] = true
                }
            }
        }

        /// Whether the search reached `block` from `ancestor` (a block is its own descendant).
        func isDescendant(_ block: Int, of ancestor: Int) -> Bool {
            discovered[block] >= discovered[ancestor] && finished[block] >= 0 && finished[block] <= finished[ancestor]
        }

        /// The region of the loop head `head`, by block: the blocks of its function that the search
        /// reached from it and that lead back to it through such blocks (every cycle whose
        /// block found first is `head` lies inside).
        func region(of head: Int, _ graph: ControlFlowGraph) -> [Bool] {
            let function = graph.subprogramOfSlot[graph.blocks[head].start]
            func candidate(_ block: Int) -> Bool {
                isDescendant(block, of: head) && graph.subprogramOfSlot[graph.blocks[block].start] == function
            }
            var region = [Bool](repeating: false, count: graph.blocks.count)
            region[head] = true
            var pending = [head]
            while let block = pending.popLast() {
                for predecessor in graph.blocks[block].predecessors where !region[predecessor] && candidate(predecessor) {
                    region[predecessor] = true
                    pending.append(predecessor)
                }
            }
            return region
        }
    }
}

extension LoopTermination {
    /// The instruction bounds of ``LoopTermination``: a block runs at most `Π(passes + 1)` times
    /// over the heads whose regions hold it (among the heads that may be passed), each time its
    /// instructions and the callees' bounds of its calls. Saturating arithmetic; `nil` where a
    /// head involved is not ranked.
    struct RunBounds {
        let graph: ControlFlowGraph
        let program: DecodedProgram
        let search: SearchTree
        let passes: [Int: UInt64?]
        let regions: [Int: [Bool]]
        private var totals: [[Int: UInt64?]]

        init(program: DecodedProgram, search: SearchTree, passes: [Int: UInt64?], regions: [Int: [Bool]]) {
            self.graph = program.controlFlow
            self.program = program
            self.search = search
            self.passes = passes
            self.regions = regions
            totals = Array(repeating: [:], count: ExecutionLimits.maxCallDepth + 2)
        }

        static func product(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let (value, overflow) = a.multipliedReportingOverflow(by: b)
            return overflow ? .max : value
        }

        static func sum(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let (value, overflow) = a.addingReportingOverflow(b)
            return overflow ? .max : value
        }

        /// Instructions a run confined to `blocks` (a region, or a whole function) can execute in
        /// an activation at call depth `depth`, where `heads` are the loop heads it may pass.
        mutating func instructions(in blocks: [Int], heads: [Int], depth: Int = 1) -> UInt64? {
            var total: UInt64 = 0
            for block in blocks {
                var runs: UInt64 = 1
                for head in heads where regions[head]![block] {
                    guard let bound = passes[head] ?? nil else { return nil }
                    runs = Self.product(runs, Self.sum(bound, 1))
                }
                var cost: UInt64 = 0
                for pc in graph.blocks[block].slots {
                    guard let operation = program[pc] else { continue }
                    cost = Self.sum(cost, 1)
                    if case .callLocal(let target) = operation {
                        guard let callee = self.total(function: graph.subprogramOfSlot[target], depth: depth + 1) else {
                            return nil
                        }
                        cost = Self.sum(cost, callee)
                    }
                }
                total = Self.sum(total, Self.product(runs, cost))
            }
            return total
        }

        /// Instructions one activation of subprogram `function` at call depth `depth` can run
        /// (the verifier refuses calls past ``ExecutionLimits/maxCallDepth``, so deeper ones
        /// never run).
        mutating func total(function: Int, depth: Int) -> UInt64? {
            if depth > ExecutionLimits.maxCallDepth { return 0 }
            if let known = totals[depth][function] { return known }
            let blocks = graph.blocks.indices.filter {
                graph.subprogramOfSlot[graph.blocks[$0].start] == function && search.discovered[$0] >= 0
            }
            let heads = blocks.filter { graph.isLoopHead[graph.blocks[$0].start] }
            let bound = instructions(in: blocks, heads: heads, depth: depth)
            totals[depth][function] = bound
            return bound
        }
    }
}
