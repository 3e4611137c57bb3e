/// The control-flow graph of a decoded program, built once for every stage: basic blocks and
/// their edges, jump targets, loop heads, reachability and subprograms.
///
/// Blocks start at slot 0, at every valid jump or `call local` target, after every jump, call or
/// `exit`, and after every slot that traps when reached. A conditional jump whose target is bad
/// has only its fall-through edge; an `lddw` with an unresolved reference falls through (the
/// engines trap there, the verifier resolves it).
public struct ControlFlowGraph: Sendable {
    /// The blocks in slot order; block 0 starts at slot 0 (when the program is not empty).
    public let blocks: [BasicBlock]
    /// For every slot, the block that contains it (second halves of `lddw` included).
    public let blockOfSlot: [Int]
    /// `true` where a block starts.
    public let isLeader: [Bool]
    /// `true` at every valid target of a jump, conditional jump or `call local`: where several
    /// paths may meet.
    public let isBranchTarget: [Bool]
    /// `true` at every valid target of a jump or conditional jump at or after it (`target <= pc`):
    /// where the run-time contract checks the instruction budget on a taken jump.
    public let isBackwardJumpTarget: [Bool]
    /// `true` at the target of every back-edge of a depth-first search from slot 0 that follows
    /// local calls into their callees (the Linux verifier's `check_cfg`): the loop heads.
    public let isLoopHead: [Bool]
    /// The back-edges of that search, in the order it finds them: `from` is the slot of the
    /// instruction that transfers control (the last of its block), `to` the loop head.
    public let backEdges: [(from: Int, to: Int)]
    /// `true` at every slot holding an instruction that the search from slot 0 reaches.
    public let isReachable: [Bool]
    /// For each block ending in a valid `call local`, the block its callee starts at.
    public let callees: [Int: Int]
    /// The first slot of each subprogram, ascending: 0, every valid `call local` target and every
    /// valid target of a function-address `lddw`.
    public let subprogramStarts: [Int]
    /// The valid targets of function-address `lddw`s (``LoadImmediateKind/codeAddress``), ascending:
    /// the functions a helper such as `bpf_loop` may call back. Each is a subprogram start.
    public let functionAddressTargets: [Int]
    /// For each block holding a function-address `lddw` with a valid target, the blocks those
    /// functions start at: the search below follows them as it follows a `call local` (the
    /// kernel's `check_cfg` does the same), so a callback is reachable and its loops are found.
    public let functionReferences: [Int: [Int]]
    /// For every slot, the index into ``subprogramStarts`` of the subprogram containing it.
    public let subprogramOfSlot: [Int]

    /// Whether some block is the target of a back-edge.
    public var hasLoops: Bool { isLoopHead.contains(true) }

    /// The block whose first slot is `slot`, if `slot` is a leader.
    @inlinable public func block(startingAt slot: Int) -> Int? {
        isLeader[slot] ? blockOfSlot[slot] : nil
    }

    init(slots: [DecodedSlot], staticTraps: [ExecutionTrap?]) {
        let count = slots.count
        func isValidTarget(_ target: Int) -> Bool {
            target >= 0 && target < count && slots[target] != .wideSecondHalf
        }
        /// Whether control can leave slot `pc` only by the edges worked out below (a trap ends it).
        func endsFlow(_ pc: Int) -> Bool {
            switch slots[pc] {
            case .invalid: return true
            case .wideSecondHalf: return false
            case .operation(let operation):
                if operation.isControlTransfer { return true }
                return false
            }
        }

        var leaders = [Bool](repeating: false, count: count)
        var targets = [Bool](repeating: false, count: count)
        var backward = [Bool](repeating: false, count: count)
        if count > 0 { leaders[0] = true }
        var starts: Set<Int> = count > 0 ? [0] : []
        var functionTargets: Set<Int> = []
        for pc in 0..<count where staticTraps[pc] == nil {
            guard let operation = slots[pc].operation,
                let target = DecodedProgram.functionAddressTarget(of: operation, at: pc), isValidTarget(target)
            else { continue }
            leaders[target] = true
            targets[target] = true
            starts.insert(target)
            functionTargets.insert(target)
        }
        for pc in 0..<count {
            guard endsFlow(pc) else { continue }
            let next = pc + (slots[pc].operation?.slotCount ?? 1)
            if next < count { leaders[next] = true }
            guard case .operation(let operation) = slots[pc], let target = operation.branchTarget,
                  isValidTarget(target)
            else { continue }
            leaders[target] = true
            targets[target] = true
            if case .callLocal = operation {
                starts.insert(target)
            } else if target <= pc {
                backward[target] = true
            }
        }

        // Blocks.
        var blockOfSlot = [Int](repeating: 0, count: count)
        var ranges: [(start: Int, end: Int, last: Int)] = []
        var pc = 0
        while pc < count {
            let start = pc
            var last = pc
            repeat {
                last = pc
                pc += slots[pc].operation?.slotCount ?? 1
            } while pc < count && !leaders[pc] && !endsFlow(last)
            for slot in start..<min(pc, count) { blockOfSlot[slot] = ranges.count }
            ranges.append((start, min(pc, count), last))
        }
        var successors = [[Int]](repeating: [], count: ranges.count)
        var predecessors = [[Int]](repeating: [], count: ranges.count)
        var callees: [Int: Int] = [:]
        for (block, range) in ranges.enumerated() {
            let last = range.last
            let next = range.end < count ? blockOfSlot[range.end] : nil
            var out: [Int] = []
            switch slots[last] {
            case .invalid, .wideSecondHalf:
                break
            case .operation(let operation):
                let validTarget = operation.branchTarget.flatMap { isValidTarget($0) ? blockOfSlot[$0] : nil }
                switch operation {
                case .exit:
                    break
                case .jump:
                    if staticTraps[last] == nil, let validTarget { out = [validTarget] }
                case .conditionalJump:
                    if let next { out.append(next) }
                    if staticTraps[last] == nil, let validTarget { out.append(validTarget) }
                case .callLocal:
                    guard staticTraps[last] == nil, let validTarget else { break }
                    callees[block] = validTarget
                    if let next { out.append(next) }
                default:
                    if let next { out.append(next) }
                }
            }
            successors[block] = out
            for successor in out where !predecessors[successor].contains(block) {
                predecessors[successor].append(block)
            }
        }
        self.blocks = ranges.indices.map {
            BasicBlock(
                start: ranges[$0].start, end: ranges[$0].end, last: ranges[$0].last,
                successors: successors[$0], predecessors: predecessors[$0])
        }
        self.blockOfSlot = blockOfSlot
        self.isLeader = leaders
        self.isBranchTarget = targets
        self.isBackwardJumpTarget = backward
        self.callees = callees
        var references: [Int: [Int]] = [:]
        for pc in 0..<count where staticTraps[pc] == nil {
            guard let operation = slots[pc].operation,
                let target = DecodedProgram.functionAddressTarget(of: operation, at: pc), isValidTarget(target)
            else { continue }
            references[blockOfSlot[pc], default: []].append(blockOfSlot[target])
        }
        self.functionReferences = references
        self.functionAddressTargets = functionTargets.sorted()

        // Depth-first search from block 0 through callees (the callee before the return point,
        // as the Linux verifier's check_cfg explores a call): back-edges give the loop heads.
        var loopHeads = [Bool](repeating: false, count: count)
        var reachable = [Bool](repeating: false, count: count)
        var backEdges: [(from: Int, to: Int)] = []
        if !ranges.isEmpty {
            // 0 = not seen, 1 = on the stack, 2 = done.
            var color = [UInt8](repeating: 0, count: ranges.count)
            var stack: [(block: Int, next: Int)] = [(0, 0)]
            color[0] = 1
            func edges(_ block: Int) -> [Int] {
                let referenced = references[block] ?? []
                if let callee = callees[block] { return referenced + [callee] + successors[block] }
                return referenced + successors[block]
            }
            var edgeLists = [[Int]?](repeating: nil, count: ranges.count)
            edgeLists[0] = edges(0)
            while let top = stack.last {
                let list = edgeLists[top.block]!
                if top.next == list.count {
                    color[top.block] = 2
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let target = list[top.next]
                switch color[target] {
                case 0:
                    color[target] = 1
                    edgeLists[target] = edges(target)
                    stack.append((target, 0))
                case 1:
                    loopHeads[ranges[target].start] = true
                    backEdges.append((ranges[top.block].last, ranges[target].start))
                default:
                    break
                }
            }
            for (block, range) in ranges.enumerated() where color[block] != 0 {
                for slot in range.start..<range.end where slots[slot] != .wideSecondHalf {
                    reachable[slot] = true
                }
            }
        }
        self.isLoopHead = loopHeads
        self.backEdges = backEdges
        self.isReachable = reachable

        let sortedStarts = starts.sorted()
        var subprogramOfSlot = [Int](repeating: 0, count: count)
        for (function, start) in sortedStarts.enumerated() {
            let end = function + 1 < sortedStarts.count ? sortedStarts[function + 1] : count
            for slot in start..<end { subprogramOfSlot[slot] = function }
        }
        self.subprogramStarts = sortedStarts
        self.subprogramOfSlot = subprogramOfSlot
    }
}
