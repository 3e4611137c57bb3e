import EBPFCore
import X86Encoding

/// Chooses, for one program, which x86 register holds each eBPF register: the ``RegisterMap``
/// the lowering uses when ``JITOptions/allocatesRegisters`` is set (the default). The roles of
/// JIT state (context, counter, scratch) stay where ``JITOptions/registerMap`` puts them; the
/// eBPF registers get the other twelve registers by what the program does with them.
///
/// Whole eBPF registers are allocated, not their separate values: one linear pass over the
/// slots with ``RegisterLiveness`` collects, on fixed-size tables (no allocation per
/// instruction),
/// - interference: Rd interferes with every register live after an instruction that writes Rd
///   (Chaitin's rule), except with the source of a 64-bit `mov Rd, Rs`, which holds the same
///   value; the registers the entry sets or may read unwritten interfere with each other;
/// - copies: each 64-bit `mov Rd, Rs`, weighted by its loop depth (×8 per level, up to 3);
/// - wishes for particular x86 registers, weighted alike: R0 in rax at `exit` and after a
///   helper call, R1–R5 in the argument registers at a call, a dividend in rax, a shift count
///   in rcx without BMI2; and against them: a register live across a division wants neither
///   rax nor rdx, one live across a shift by `cl` not rcx;
/// - for each register, how often it is live across a helper call.
///
/// Then copies are coalesced, heaviest first (two groups merge when no member of one
/// interferes with a member of the other: the move between them becomes `mov rX, rX`, which the
/// lowering leaves out), and the groups, most used first, each take the register that costs
/// least: the wishes above, a push and pop per call for a caller-saved register live across
/// calls, a push and pop per run for a callee-saved register nothing else uses yet, ties to
/// ``JITOptions/registerMap``'s choice. Registers that never interfere may share an x86
/// register. Twelve registers for at most eleven groups: nothing is ever spilled.
///
/// Programs with local calls keep ``JITOptions/registerMap`` (a callee sees its caller's
/// registers, which ``RegisterLiveness`` treats as all live anyway).
struct RegisterAllocator {
    /// The per-program map: eBPF registers the program does not use map to the scratch register.
    let map: RegisterMap

    /// Loop weights stop growing at this depth (8^3 = 512 units per instruction).
    static let maximumDepth = 3
    /// The weight of an instruction outside loops: an instruction more or less executed once per
    /// run. (Four, so that half of a wish is still a whole number and ties can be broken by 1.)
    static let unit: Int32 = 4

    init(_ analysis: ProgramAnalysis, liveness: RegisterLiveness, options: JITOptions, budgetEnabled: Bool) {
        let base = options.registerMap
        guard !analysis.hasLocalCalls, !analysis.slots.isEmpty else {
            map = base
            return
        }
        var used: UInt16 = 0
        for n in 0..<11 where analysis.usesRegister[n] { used |= 1 << UInt16(n) }
        var tables = Tables()
        tables.collect(analysis, liveness: liveness, used: used, useBMI2: options.useBMI2)
        var groups = Groups(used: used, interference: tables.interference)
        groups.coalesce(tables)
        map = groups.assign(tables, base: base, budgetEnabled: budgetEnabled)
    }

    /// Bit n of a mask: eBPF register Rn.
    static func bit(_ n: Int) -> UInt16 { 1 << UInt16(n) }

    /// What the pass over the slots collects.
    struct Tables {
        /// `interference[n]`: the registers Rn may not share an x86 register with.
        var interference = InlineArray<11, UInt16>(repeating: 0)
        /// `copies[d * 11 + s]`: weighted count of `mov64 Rd, Rs`.
        var copies = InlineArray<121, Int32>(repeating: 0)
        /// `wishes[n * 16 + x]`: what Rn gains (or loses, negative) in the x86 register encoded x.
        var wishes = InlineArray<176, Int32>(repeating: 0)
        /// `acrossCalls[n]`: weighted count of helper calls Rn is live across.
        var acrossCalls = InlineArray<11, Int32>(repeating: 0)
        /// `uses[n]`: weighted count of instructions naming Rn.
        var uses = InlineArray<11, Int32>(repeating: 0)

        mutating func wish(_ n: Int, _ register: X86Register, _ amount: Int32) {
            wishes[n * 16 + Int(register.rawValue)] += amount
        }

        /// Adds `amount` against `register` for each register of `mask`.
        mutating func avoid(_ mask: UInt16, _ register: X86Register, _ amount: Int32) {
            var rest = mask
            while rest != 0 {
                let n = rest.trailingZeroBitCount
                rest &= rest - 1
                wish(n, register, -amount)
            }
        }

        /// A division (by a register or through a multiply-high) works in rax and rdx: the
        /// dividend wants rax (the remainder's, rdx too), the registers live after it want neither.
        mutating func noteDivision(dst: Int, modulo: Bool, liveAfter: UInt16, weight: Int32) {
            wish(dst, .rax, 2 * weight)
            if modulo { wish(dst, .rdx, weight) }
            let others = liveAfter & ~RegisterAllocator.bit(dst)
            avoid(others, .rax, 2 * weight)
            avoid(others, .rdx, 2 * weight)
        }

        /// One pass over the slots (after one over the backward jumps for the loop depths).
        mutating func collect(_ analysis: ProgramAnalysis, liveness: RegisterLiveness, used: UInt16, useBMI2: Bool) {
            let slots = analysis.slots
            let count = slots.count
            // Loop depth: +1 from a backward jump's target to the jump.
            var depthChange = [Int32](repeating: 0, count: count + 1)
            for pc in 0..<count {
                guard case .operation(let operation) = slots[pc] else { continue }
                switch operation {
                case .jump(let target), .conditionalJump(_, _, _, _, let target):
                    if target <= pc, target >= 0 {
                        depthChange[target] += 1
                        depthChange[pc + 1] -= 1
                    }
                default:
                    break
                }
            }
            let liveAfter = liveness.liveAfter
            var depth: Int32 = 0
            for pc in 0..<count {
                depth += depthChange[pc]
                guard case .operation(let operation) = slots[pc] else { continue }
                let weight = RegisterAllocator.unit << (3 * min(depth, Int32(RegisterAllocator.maximumDepth)))
                let (reads, writes) = RegisterLiveness.effects(of: operation, analysis)
                let after = liveAfter[pc]
                var named = (reads | writes) & used
                while named != 0 {
                    uses[named.trailingZeroBitCount] += weight
                    named &= named - 1
                }
                var sameValue: UInt16 = 0
                switch operation {
                case .alu(.mov, .bits64, let dst, .register(let src)) where dst != src:
                    sameValue = RegisterAllocator.bit(Int(src))
                    copies[Int(dst) * 11 + Int(src)] += weight
                case .alu(.div, _, let dst, _), .alu(.sdiv, _, let dst, _):
                    noteDivision(dst: Int(dst), modulo: false, liveAfter: after & used, weight: weight)
                case .alu(.mod, _, let dst, _), .alu(.smod, _, let dst, _):
                    noteDivision(dst: Int(dst), modulo: true, liveAfter: after & used, weight: weight)
                case .alu(.lsh, _, let dst, .register(let src)) where !useBMI2,
                     .alu(.rsh, _, let dst, .register(let src)) where !useBMI2,
                     .alu(.arsh, _, let dst, .register(let src)) where !useBMI2:
                    wish(Int(src), .rcx, weight)
                    wish(Int(dst), .rcx, -2 * weight)
                    avoid(after & used & ~RegisterAllocator.bit(Int(src)), .rcx, 2 * weight)
                case .callHelper, .callRegister:
                    wish(0, .rax, weight)
                    for n in 1...5 { wish(n, X86Register.argumentRegisters[n - 1], weight) }
                    var across = after & used & ~1
                    while across != 0 {
                        acrossCalls[across.trailingZeroBitCount] += weight
                        across &= across - 1
                    }
                case .exit:
                    wish(0, .rax, weight)
                case .atomic(.cmpxchg, _, _, _, _):
                    wish(0, .rax, 2 * weight)
                default:
                    break
                }
                var defined = writes & used
                while defined != 0 {
                    let d = defined.trailingZeroBitCount
                    defined &= defined - 1
                    interference[d] |= (after & ~sameValue | writes) & used & ~RegisterAllocator.bit(d)
                }
            }
            // The entry sets R0 (the batch entry uses its register first), R1, R2 and R10, zeroes the
            // registers read before written, and the registers live there hold those values at once.
            let liveIn: UInt16
            switch slots[0] {
            case .operation(let operation):
                let (reads, writes) = RegisterLiveness.effects(of: operation, analysis)
                liveIn = liveAfter[0] & ~writes | reads
            default:
                liveIn = RegisterMask.all.rawValue
            }
            let entry = (liveIn | analysis.registersNeedingZero | 1 | 1 << 1 | 1 << 2 | 1 << 10) & used
            var set = entry
            while set != 0 {
                let n = set.trailingZeroBitCount
                set &= set - 1
                interference[n] |= entry & ~RegisterAllocator.bit(n)
            }
            // Make the relation symmetric.
            for n in 0..<11 {
                var others = interference[n]
                while others != 0 {
                    let m = others.trailingZeroBitCount
                    others &= others - 1
                    interference[m] |= RegisterAllocator.bit(n)
                }
            }
            // The entry's moves of R1 and R2.
            wish(1, .rdi, RegisterAllocator.unit)
            wish(2, .rsi, RegisterAllocator.unit)
        }
    }

    /// Registers merged by coalescing: each group gets one x86 register.
    struct Groups {
        let used: UInt16
        /// `members[leader]`: the group led by its lowest register (0 for non-leaders).
        var members = InlineArray<11, UInt16>(repeating: 0)
        /// `interference[leader]`: union of its members' interference.
        var interference: InlineArray<11, UInt16>

        init(used: UInt16, interference: InlineArray<11, UInt16>) {
            self.used = used
            self.interference = interference
            for n in 0..<11 where used & RegisterAllocator.bit(n) != 0 { members[n] = RegisterAllocator.bit(n) }
        }

        func leader(of n: Int) -> Int {
            for l in 0..<11 where members[l] & RegisterAllocator.bit(n) != 0 { return l }
            return n
        }

        /// Merges copy-related groups, the heaviest copy first, when they do not interfere.
        mutating func coalesce(_ tables: Tables) {
            var weights = InlineArray<121, Int32>(repeating: 0)
            for d in 0..<11 {
                for s in 0..<d { weights[d * 11 + s] = tables.copies[d * 11 + s] + tables.copies[s * 11 + d] }
            }
            while true {
                var best = -1
                var bestWeight: Int32 = 0
                for index in 0..<121 where weights[index] > bestWeight {
                    best = index
                    bestWeight = weights[index]
                }
                guard best >= 0 else { return }
                weights[best] = 0
                let (d, s) = (best / 11, best % 11)
                guard used & RegisterAllocator.bit(d) != 0, used & RegisterAllocator.bit(s) != 0 else { continue }
                let (a, b) = (leader(of: d), leader(of: s))
                guard a != b, members[a] & interference[b] == 0 else { continue }
                let (kept, merged) = (min(a, b), max(a, b))
                members[kept] |= members[merged]
                interference[kept] |= interference[merged]
                members[merged] = 0
            }
        }

        /// Gives each group its register and builds the map.
        func assign(_ tables: Tables, base: RegisterMap, budgetEnabled: Bool) -> RegisterMap {
            let roles: [X86Register] = [base.context, base.counter, base.scratch]
            var candidates = X86RegisterSet()
            for register in X86Register.allCases where register != .rsp && !roles.contains(register) { candidates.insert(register) }
            // Callee-saved registers the prologue saves anyway.
            var pushed = X86RegisterSet()
            if !base.context.isCallerSaved { pushed.insert(base.context) }
            if budgetEnabled && !base.counter.isCallerSaved { pushed.insert(base.counter) }
            /// `occupants[x]`: the eBPF registers given the x86 register encoded x.
            var occupants = InlineArray<16, UInt16>(repeating: 0)
            var ebpf = Array(repeating: base.scratch, count: 11)
            var pending: UInt16 = 0
            for l in 0..<11 where members[l] != 0 { pending |= RegisterAllocator.bit(l) }
            // Each group's wishes: its members' summed.
            var groupWishes = InlineArray<176, Int32>(repeating: 0)
            var leaders = pending
            while leaders != 0 {
                let l = leaders.trailingZeroBitCount
                leaders &= leaders - 1
                var member = members[l]
                while member != 0 {
                    let n = member.trailingZeroBitCount
                    member &= member - 1
                    for x in 0..<16 { groupWishes[l * 16 + x] += tables.wishes[n * 16 + x] }
                }
            }
            while pending != 0 {
                // The most used group next.
                var group = -1
                var groupUses: Int32 = -1
                var rest = pending
                while rest != 0 {
                    let l = rest.trailingZeroBitCount
                    rest &= rest - 1
                    var total: Int32 = 0
                    var member = members[l]
                    while member != 0 {
                        total += tables.uses[member.trailingZeroBitCount]
                        member &= member - 1
                    }
                    if total > groupUses {
                        group = l
                        groupUses = total
                    }
                }
                pending &= ~RegisterAllocator.bit(group)
                var best = base.scratch
                var bestScore = Int32.min
                for register in candidates where occupants[Int(register.rawValue)] & interference[group] == 0 {
                    var score = groupWishes[group * 16 + Int(register.rawValue)]
                    var member = members[group]
                    while member != 0 {
                        let n = member.trailingZeroBitCount
                        member &= member - 1
                        if register.isCallerSaved { score -= 2 * tables.acrossCalls[n] }
                        if base.ebpf[n] == register { score += 1 }
                    }
                    if !register.isCallerSaved && !pushed.contains(register) { score -= 2 * RegisterAllocator.unit }
                    // Half of what a group still waiting, which could not share it, wishes for it.
                    var others = pending
                    while others != 0 {
                        let l = others.trailingZeroBitCount
                        others &= others - 1
                        guard members[l] & interference[group] != 0 else { continue }
                        let wanted = groupWishes[l * 16 + Int(register.rawValue)]
                        if wanted > 0 { score -= wanted / 2 }
                    }
                    if score > bestScore {
                        best = register
                        bestScore = score
                    }
                }
                precondition(bestScore > Int32.min, "no register left for a group")
                occupants[Int(best.rawValue)] |= members[group]
                if !best.isCallerSaved { pushed.insert(best) }
                var member = members[group]
                while member != 0 {
                    ebpf[member.trailingZeroBitCount] = best
                    member &= member - 1
                }
            }
            return RegisterMap(allocated: ebpf, context: base.context, counter: base.counter, scratch: base.scratch)
        }
    }
}
