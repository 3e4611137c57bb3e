import EBPFCore

/// Loop versioning for the input accesses of unverified programs: the innermost loops whose input
/// accesses are affine in a counter get a second copy without those accesses' checks, entered
/// when one range check per access at the loop's entry shows that every iteration the loop can
/// run stays inside the input memory (docs/jit.md, "Loop versioning").
///
/// A loop qualifies when:
/// - it is the natural loop of one back-edge `tail → head` of ``EBPFCore/ControlFlowGraph/backEdges``:
///   the head plus every block that reaches the tail without passing the head, all in one
///   subprogram, entered from outside only at the head (every other block's predecessors are in
///   the loop, none starts a subprogram), and acyclic once the edges into the head are removed
///   (innermost, reducible);
/// - it holds no call, legacy packet load or atomic;
/// - a symbolic walk of one iteration, each register's value an affine form `a + b + c` of at
///   most two registers' values at the head plus a constant, finds a counter `K` that the
///   iteration steps by exactly +1 (`K` at the tail is `K + 1`), and a conditional jump at the
///   head or the tail with one edge out of the loop whose other edge continues while
///   `K + c` is `!=` a constant, or `<`/`<=` (unsigned; signed at 64 bits) a constant or a register
///   the loop does not change;
/// - some load or store in it (not proven by the verifier, an input pointer for
///   ``AddressAnalysis``) has an address `a + b + d` whose registers each step by a constant
///   (0 for those the loop does not change), with stride `S` (the sum of their steps) 0, 1, 2, 4
///   or 8: at iteration `t` the address is its value at entry plus `t·S`.
///
/// The trip bound: with `K0` (the counter at entry) ≤ 2^31 − 1 and the bound register ≤ 2^31 − 1,
/// the counter at any iteration is at most `last` = `E − c` for `!=`, `max(K0, B − c)` for `<`
/// and `max(K0, B − c + 1)` for `<=` (checked at run time: `!=` needs `K0 ≤ E − c`, or the loop
/// would wrap), so the iterations are `t = 0…last − K0`, and an access after a test at the
/// head runs in iterations `t ≤ last − K0 − 1` only. The entry then checks each covered access's
/// first and last address against the input memory's start count; as the addresses in between
/// are spaced by `S` with no wrap, all of them are in bounds.
///
/// When the loop's blocks form one chain from the head to the tail, the fast copy also defers
/// the budget count to its exits (``Counting``); the lowering is in `Lowering+Versioning.swift`.
struct LoopVersioning {
    /// The symbolic value of a register during one iteration: `first + second + constant`, the
    /// terms being registers' values at the head of that iteration (255: no term).
    struct Affine: Equatable {
        static let none: UInt8 = 255
        var first: UInt8
        var second: UInt8
        var constant: Int64

        static func register(_ n: UInt8) -> Affine { Affine(first: n, second: none, constant: 0) }
        static func constant(_ value: Int64) -> Affine { Affine(first: none, second: none, constant: value) }
        var terms: [UInt8] { [first, second].filter { $0 != Self.none } }

        /// `self + other` when the sum has at most two terms and the constants do not overflow.
        func adding(_ other: Affine) -> Affine? {
            let all = terms + other.terms
            guard all.count <= 2 else { return nil }
            let (sum, overflow) = constant.addingReportingOverflow(other.constant)
            guard !overflow else { return nil }
            return Affine(first: all.first ?? Self.none, second: all.count == 2 ? all[1] : Self.none, constant: sum)
        }
    }

    /// Per-register symbolic values (nil: not known).
    typealias State = [Affine?]

    /// What ends the loop: it continues while `counter + offset` passes the test.
    enum Bound: Equatable {
        /// The counter's last value is the constant: `!=` (the entry needs counter ≤ it).
        case notEqual(last: Int64)
        /// The counter's last value is `max(counter at entry, limit + adjust)`: `<` (`adjust = −c`)
        /// or `<=` (`1 − c`); `limit` a register's value at entry (nil: `constant`).
        case below(register: UInt8?, constant: Int64, adjust: Int64)
    }

    /// A load or store the fast copy does not check.
    struct Access: Equatable {
        let pc: Int
        /// The address's registers (values at entry) and constant (the instruction's offset included).
        let terms: [UInt8]
        let displacement: Int32
        /// Bytes the address moves per iteration.
        let stride: Int
        let size: Int
        /// Runs only after the head's test passed in the same iteration (one iteration fewer).
        let afterHeadTest: Bool
    }

    /// The budget count at a way out of the fast copy: `prefix` instructions of this iteration,
    /// `register` holding the counter plus `offset` there.
    struct ExitCount: Equatable {
        let prefix: Int
        let register: UInt8
        let offset: Int64
    }

    /// Budget counting deferred to the fast copy's exits, for a loop whose blocks form one chain
    /// from the head to the tail (side exits only): every full iteration executes `perIteration`
    /// instructions, so leaving from block b in iteration t = K − K0 has executed
    /// `t · perIteration + prefix(b)` since the entry.
    struct Counting: Equatable {
        /// The blocks from the head to the tail (the fast copy's layout).
        let chain: [Int]
        let perIteration: Int
        /// Per block with an edge out of the loop.
        let exits: [Int: ExitCount]
    }

    struct Loop: Equatable {
        /// The head's slot.
        let head: Int
        /// The loop's blocks, in slot order.
        let blocks: [Int]
        let counter: UInt8
        let bound: Bound
        let accesses: [Access]
        /// nil: the fast copy counts the budget as the checked copy does.
        let counting: Counting?
    }

    /// The versioned loops.
    let loops: [Loop]
    /// Indexed by slot: the index into ``loops`` of the loop holding the slot, or -1 (empty when
    /// there are no loops).
    let loopOfSlot: [Int]
    /// Indexed by slot: the access is covered by its loop's entry check (empty when no loops).
    let isCovered: [Bool]

    /// No loop versioned.
    static let none = LoopVersioning()

    private init() {
        loops = []
        loopOfSlot = []
        isCovered = []
    }

    /// Finds the loops; `checks` are ``AddressAnalysis/checks`` (empty: every access proven).
    init(_ analysis: ProgramAnalysis, checks: [AddressAnalysis.AccessCheck]) {
        var loops: [Loop] = []
        let cfg = analysis.controlFlow
        if !checks.isEmpty && cfg.hasLoops {
            let heads = Dictionary(grouping: cfg.backEdges, by: { $0.to })
            for (head, edges) in heads.sorted(by: { $0.key < $1.key }) where edges.count == 1 {
                if let loop = Self.loop(head: head, tail: edges[0].from, analysis, checks: checks) { loops.append(loop) }
            }
        }
        // Innermost loops are disjoint; drop any overlap defensively.
        var loopOfSlot = [Int]()
        var isCovered = [Bool]()
        var kept: [Loop] = []
        if !loops.isEmpty {
            loopOfSlot = .filled(with: -1, count: analysis.slots.count)
            isCovered = .filled(with: false, count: analysis.slots.count)
            for loop in loops {
                let slots = loop.blocks.flatMap { Array(cfg.blocks[$0].slots) }
                guard slots.allSatisfy({ loopOfSlot[$0] == -1 }) else { continue }
                for pc in slots { loopOfSlot[pc] = kept.count }
                for access in loop.accesses { isCovered[access.pc] = true }
                kept.append(loop)
            }
        }
        self.loops = kept
        self.loopOfSlot = loopOfSlot
        self.isCovered = isCovered
    }

    /// The loop of the back-edge `tail → head` (slots), if it qualifies.
    static func loop(head: Int, tail: Int, _ analysis: ProgramAnalysis, checks: [AddressAnalysis.AccessCheck]) -> Loop? {
        let cfg = analysis.controlFlow
        let headBlock = cfg.blockOfSlot[head]
        let tailBlock = cfg.blockOfSlot[tail]
        guard cfg.blocks[headBlock].start == head, cfg.blocks[tailBlock].last == tail else { return nil }
        // The natural loop: backwards from the tail, stopping at the head.
        var inLoop = Set<Int>([headBlock])
        var work = [tailBlock]
        while let block = work.popLast() {
            guard inLoop.insert(block).inserted else { continue }
            work.append(contentsOf: cfg.blocks[block].predecessors)
            if inLoop.count > 256 { return nil }
        }
        let subprogram = cfg.subprogramOfSlot[head]
        let starts = Set(cfg.subprogramStarts)
        for block in inLoop {
            let b = cfg.blocks[block]
            guard cfg.subprogramOfSlot[b.start] == subprogram else { return nil }
            if block != headBlock {
                guard !starts.contains(b.start), b.predecessors.allSatisfy(inLoop.contains) else { return nil }
            }
            for pc in b.slots {
                guard case .operation(let operation) = analysis.slots[pc] else { continue }
                switch operation {
                case .callHelper, .callLocal, .callRegister, .packetLoad, .atomic: return nil
                default: break
                }
            }
        }
        // Topological order of the loop without the edges into the head (Kahn); a cycle left
        // means an inner loop or an irreducible part.
        var inDegree: [Int: Int] = [:]
        for block in inLoop where block != headBlock {
            inDegree[block] = Set(cfg.blocks[block].predecessors).count
        }
        var order: [Int] = []
        var ready = [headBlock]
        while let block = ready.popLast() {
            order.append(block)
            for successor in Set(cfg.blocks[block].successors) where inLoop.contains(successor) && successor != headBlock {
                inDegree[successor]! -= 1
                if inDegree[successor] == 0 { ready.append(successor) }
            }
        }
        guard order.count == inLoop.count else { return nil }

        // One iteration, symbolically.
        var entry = State(repeating: nil, count: 11)
        for n in 0..<11 { entry[n] = .register(UInt8(n)) }
        var stateIn: [Int: State] = [headBlock: entry]
        var stateOut: [Int: State] = [:]
        var addresses: [(pc: Int, address: Affine, size: Int, block: Int)] = []
        for block in order {
            var state: State
            if block == headBlock {
                state = entry
            } else {
                var joined: State? = nil
                for predecessor in cfg.blocks[block].predecessors {
                    guard let out = stateOut[predecessor] else { return nil }
                    joined = joined.map { zip($0, out).map { $0 == $1 ? $0 : nil } } ?? out
                }
                state = joined ?? State(repeating: nil, count: 11)
            }
            stateIn[block] = state
            for pc in cfg.blocks[block].slots {
                guard case .operation(let operation) = analysis.slots[pc] else { continue }
                if let (base, offset, size) = Self.access(operation), let value = state[Int(base)],
                   let address = value.adding(.constant(Int64(offset))) {
                    addresses.append((pc, address, size, block))
                }
                transfer(operation, &state)
            }
            stateOut[block] = state
        }
        // Steps: registers whose value at the tail is their value at the head plus a constant.
        let atTail = stateOut[tailBlock]!
        var step = [Int64?](repeating: nil, count: 11)
        for n in 0..<11 {
            if let value = atTail[n], value.first == UInt8(n), value.second == Affine.none { step[n] = value.constant }
        }
        // The test: at the tail or at the head.
        var found: (counter: UInt8, bound: Bound, atHead: Bool)?
        for (block, atHead) in [(tailBlock, false), (headBlock, true)] {
            if let bound = Self.bound(block, analysis, inLoop: inLoop, state: stateOut[block]!, step: step) {
                found = (bound.counter, bound.bound, atHead)
                break
            }
        }
        guard let found else { return nil }
        var accesses: [Access] = []
        for entry in addresses {
            switch checks[entry.pc] {
            case .inputFirst: break
            default: continue
            }
            let terms = entry.address.terms
            guard !terms.isEmpty, let displacement = Int32(exactly: entry.address.constant) else { continue }
            var stride: Int64 = 0
            var stepped = true
            for term in terms {
                guard let s = step[Int(term)] else { stepped = false; break }
                stride += s
            }
            guard stepped, [0, 1, 2, 4, 8].contains(stride) else { continue }
            accesses.append(Access(
                pc: entry.pc, terms: terms, displacement: displacement, stride: Int(stride), size: entry.size,
                afterHeadTest: found.atHead && entry.block != headBlock))
        }
        guard !accesses.isEmpty else { return nil }
        let counting = Self.counting(
            head: headBlock, tail: tailBlock, inLoop: inLoop, counter: found.counter, analysis, stateOut: stateOut)
        return Loop(head: head, blocks: inLoop.sorted(), counter: found.counter, bound: found.bound, accesses: accesses,
                    counting: counting)
    }

    /// The deferred count of a loop whose blocks form one chain head → tail, holding no `exit`,
    /// where the counter (plus a constant) is in some register at the end of every block with
    /// an edge out of the loop.
    static func counting(
        head: Int, tail: Int, inLoop: Set<Int>, counter: UInt8, _ analysis: ProgramAnalysis, stateOut: [Int: State]
    ) -> Counting? {
        let cfg = analysis.controlFlow
        var chain = [head]
        var current = head
        while current != tail {
            let next = Set(cfg.blocks[current].successors).filter { inLoop.contains($0) && $0 != head }
            guard next.count == 1 else { return nil }
            current = next.first!
            chain.append(current)
            if chain.count > inLoop.count { return nil }
        }
        guard chain.count == inLoop.count else { return nil }
        var prefix = 0
        var prefixes: [Int: Int] = [:]
        for block in chain {
            for pc in cfg.blocks[block].slots {
                switch analysis.slots[pc] {
                case .operation(.exit): return nil
                case .operation, .conditionalTrap: prefix += 1
                case .wideSecondHalf, .trap: break
                }
            }
            prefixes[block] = prefix
        }
        let perIteration = prefix
        var exits: [Int: ExitCount] = [:]
        for block in chain where cfg.blocks[block].successors.contains(where: { !inLoop.contains($0) }) {
            let state = stateOut[block]!
            guard let register = (0..<11).first(where: { n in
                      guard let value = state[n] else { return false }
                      return value.first == counter && value.second == Affine.none && abs(value.constant) < 1 << 20
                  }),
                  let offset = state[register]?.constant,
                  Int32(exactly: Int64(prefixes[block]!) - offset * Int64(perIteration)) != nil
            else { return nil }
            exits[block] = ExitCount(prefix: prefixes[block]!, register: UInt8(register), offset: offset)
        }
        guard perIteration < 1 << 16 else { return nil }
        return Counting(chain: chain, perIteration: perIteration, exits: exits)
    }

    /// The counter and bound of the conditional jump ending `block`, when one of its edges leaves
    /// the loop and the other continues while a counter stepping by 1 passes a usable test.
    static func bound(_ block: Int, _ analysis: ProgramAnalysis, inLoop: Set<Int>, state: State, step: [Int64?])
        -> (counter: UInt8, bound: Bound)?
    {
        let cfg = analysis.controlFlow
        let b = cfg.blocks[block]
        guard case .operation(.conditionalJump(let condition, let width, let dst, let source, let target)) = analysis.slots[b.last],
              analysis.isValidTarget(target), b.end < analysis.slots.count, target != b.end else { return nil }
        let targetIn = inLoop.contains(cfg.blockOfSlot[target])
        let fallIn = inLoop.contains(cfg.blockOfSlot[b.end])
        guard targetIn != fallIn else { return nil }
        // The condition under which the loop goes on, as `dst COND source`.
        guard var going = targetIn ? condition : condition.negated else { return nil }
        var lhs = state[Int(dst)]
        var rhs: Affine?
        switch source {
        case .register(let n): rhs = state[Int(n)]
        case .immediate(let immediate):
            rhs = .constant(width == .bits32 ? Int64(UInt32(bitPattern: immediate)) : Int64(immediate))
        }
        // The counter on the left.
        func isCounter(_ value: Affine?) -> Bool {
            guard let value, value.second == Affine.none, value.first != Affine.none else { return false }
            return step[Int(value.first)] == 1
        }
        if !isCounter(lhs) {
            swap(&lhs, &rhs)
            going = going.swapped
        }
        guard isCounter(lhs), let counterValue = lhs, let limit = rhs else { return nil }
        let counter = counterValue.first
        let c = counterValue.constant
        guard abs(c) < 1 << 30 else { return nil }
        // The limit: a constant, or a register the loop does not change.
        var limitRegister: UInt8? = nil
        var limitConstant: Int64 = 0
        if limit.first == Affine.none {
            // What the jump compares: the low half at 32 bits.
            limitConstant = width == .bits32 ? Int64(UInt32(truncatingIfNeeded: limit.constant)) : limit.constant
        } else if limit.second == Affine.none, limit.constant == 0, step[Int(limit.first)] == 0 {
            limitRegister = limit.first
        } else {
            return nil
        }
        switch going {
        case .ne:
            guard limitRegister == nil else { return nil }
            let last = limitConstant - c
            guard last >= 0, last <= 0x7fff_ffff else { return nil }
            return (counter, .notEqual(last: last))
        case .lt, .le, .slt, .sle:
            if going.isSigned && width == .bits32 { return nil }
            let adjust = (going == .le || going == .sle ? 1 : 0) - c
            if limitRegister == nil {
                // Unsigned, a negative constant is above 2^63: no bound worth checking.
                let last = limitConstant + adjust
                guard going.isSigned || limitConstant >= 0, abs(limitConstant) <= 0x7fff_ffff, last <= 0x7fff_ffff else { return nil }
            }
            return (counter, .below(register: limitRegister, constant: limitConstant, adjust: adjust))
        default:
            return nil
        }
    }

    /// The base register, offset and size of a load or store.
    static func access(_ operation: DecodedOperation) -> (UInt8, Int16, Int)? {
        switch operation {
        case .load(let width, _, let base, let offset, _): (base, offset, width.byteCount)
        case .store(let width, let base, let offset, _): (base, offset, width.byteCount)
        default: nil
        }
    }

    /// One instruction's effect on the symbolic values (control flow is the caller's business).
    static func transfer(_ operation: DecodedOperation, _ state: inout State) {
        switch operation {
        case .alu(let op, .bits64, let dst, let source):
            let operand: Affine? = switch source {
            case .register(let src): state[Int(src)]
            case .immediate(let immediate): .constant(Int64(immediate))
            }
            switch op {
            case .mov:
                state[Int(dst)] = operand
            case .add:
                state[Int(dst)] = operand.flatMap { state[Int(dst)]?.adding($0) }
            case .sub:
                if let operand, operand.terms.isEmpty, operand.constant != .min {
                    state[Int(dst)] = state[Int(dst)]?.adding(.constant(-operand.constant))
                } else {
                    state[Int(dst)] = nil
                }
            default:
                state[Int(dst)] = nil
            }
        case .alu(.mov, .bits32, let dst, .immediate(let immediate)):
            state[Int(dst)] = .constant(Int64(UInt32(bitPattern: immediate)))
        case .alu(_, _, let dst, _), .negate(_, let dst), .byteSwap(_, let dst), .moveSignExtended(_, let dst, _, _),
             .load(_, let dst, _, _, _):
            state[Int(dst)] = nil
        case .loadImmediate64(let dst, _, _):
            state[Int(dst)] = nil
        case .atomic(_, _, _, _, let src):
            state[Int(src)] = nil
            state[0] = nil
        case .packetLoad, .callHelper, .callRegister, .callLocal:
            for n in 0...5 { state[n] = nil }
        case .store, .jump, .conditionalJump, .exit:
            break
        }
    }
}
