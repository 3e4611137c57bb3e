import EBPFCore
import X86Encoding

/// Chooses, for one program, which x86 register holds each eBPF register: the ``RegisterMap``
/// the lowering uses when ``JITOptions/allocatesRegisters`` is set (the default). The roles of
/// JIT state (context, counter, scratch) stay where ``JITOptions/registerMap`` puts them (except
/// that a program without helper calls moves a callee-saved context to a caller-saved register
/// nothing else took, saving a push and a pop per run); the eBPF registers get the other twelve
/// registers by what the program does with them.
///
/// Whole eBPF registers are allocated, not their separate values: one linear pass over the
/// slots with ``RegisterLiveness`` collects
/// - interference: Rd interferes with every register live after an instruction that writes Rd
///   (Chaitin's rule), except with the source of a 64-bit `mov Rd, Rs`, which holds the same
///   value; the registers the entry sets or may read unwritten interfere with each other;
/// - copies: each 64-bit `mov Rd, Rs`, weighted by its loop depth (×8 per level, up to 3);
/// - wishes for particular x86 registers, weighted alike: R0 in rax at `exit` and after a
///   helper call, R1–R5 in the argument registers at a call, a dividend in rax, a shift count
///   in rcx without BMI2; and against them: a register live across a division wants neither
///   rax nor rdx, one live across a shift by `cl` not rcx;
/// - for each of R6–R10, how often it is live across a helper call.
///
/// Then copies are coalesced, heaviest first (two groups merge when no member of one
/// interferes with a member of the other: the move between them becomes `mov rX, rX`, which the
/// lowering leaves out), and the groups, most used first, each take the register that costs
/// least: the wishes above, less half of what groups still waiting that cannot share it wish
/// for it; a push and pop per call for a caller-saved register live across calls; a push and
/// pop per run for a callee-saved register nothing else uses yet; ties to
/// ``JITOptions/registerMap``'s choice. Registers that never interfere may share an x86
/// register. Twelve registers for at most eleven groups: nothing is ever spilled.
///
/// Cost: the pass over the slots (and one over the jumps for loop depths, the only allocation,
/// one array of the program's length); everything else works on fixed tables on the stack
/// (``Workspace``), at most eleven registers and sixteen x86 registers.
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
    static let unit = 4

    init(_ analysis: ProgramAnalysis, liveness: RegisterLiveness, options: JITOptions, budgetEnabled: Bool) {
        let base = options.registerMap
        guard !analysis.hasLocalCalls, !analysis.slots.isEmpty else {
            map = base
            return
        }
        var used: UInt16 = 0
        for n in 0..<11 where analysis.usesRegister[n] { used |= 1 << UInt16(n) }
        // The workspace's tables, then the loop-depth table ``Workspace/collect(_:liveness:useBMI2:)``
        // builds (one entry per slot and one more): one scratch allocation.
        map = withUnsafeTemporaryAllocation(of: Int.self, capacity: Workspace.size + analysis.slots.count + 1) { buffer in
            var workspace = Workspace(buffer.baseAddress!, used: used)
            workspace.collect(analysis, liveness: liveness, useBMI2: options.useBMI2)
            var candidates = X86RegisterSet()
            for number in UInt8(0)..<16 {
                let register = X86Register(rawValue: number)!
                guard register != .rsp, register != base.context, register != base.counter, register != base.scratch else { continue }
                candidates.insert(register)
            }
            workspace.coalesce(candidates: candidates)
            return workspace.assign(base: base, candidates: candidates, budgetEnabled: budgetEnabled,
                                    movesContext: !analysis.hasHelperCalls)
        }
    }

    /// Bit n of a mask: eBPF register Rn.
    static func bit(_ n: Int) -> UInt16 { 1 << UInt16(n) }

    /// The allocator's tables in one block of `Int`s on the stack, each at a fixed offset.
    struct Workspace {
        // Offsets of the tables (in `Int`s).
        /// `interference + n`: the registers Rn may not share an x86 register with (a mask).
        static let interference = 0
        /// `copies + d * 11 + s`: weighted count of `mov64 Rd, Rs`.
        static let copies = interference + 11
        /// `wishes + n * 16 + x`: what Rn gains (or loses, negative) in the x86 register encoded x.
        static let wishes = copies + 121
        /// `acrossCalls + n`: weighted count of helper calls Rn is live across.
        static let acrossCalls = wishes + 176
        /// `uses + n`: weighted count of instructions naming Rn.
        static let uses = acrossCalls + 11
        /// `members + l`: the group led by Rl, its lowest register (0 for registers leading none).
        static let members = uses + 11
        /// `groupInterference + l`: the union of group l's members' interference.
        static let groupInterference = members + 11
        /// `costs + l * 16 + x`: what group l gains in the x86 register encoded x.
        static let costs = groupInterference + 11
        /// `wished + l`: the x86 registers group l wishes for (a mask).
        static let wished = costs + 176
        /// `order + i`: the i-th group to choose; `orderUses + i`: its weighted uses.
        static let order = wished + 11
        static let orderUses = order + 11
        /// `occupants + x`: the eBPF registers given the x86 register encoded x (a mask).
        static let occupants = orderUses + 11
        /// `contested + x`: what groups still waiting, which cannot share, wish for x.
        static let contested = occupants + 16
        /// `pairs + i`: copied pairs, heaviest first, as weight << 8 | (d * 11 + s).
        static let pairs = contested + 16
        static let size = pairs + 55

        let table: UnsafeMutablePointer<Int>
        let used: UInt16

        init(_ table: UnsafeMutablePointer<Int>, used: UInt16) {
            self.table = table
            self.used = used
            table.initialize(repeating: 0, count: Self.size)
        }

        func wish(_ n: Int, _ register: X86Register, _ amount: Int) {
            table[Self.wishes + n * 16 + Int(register.rawValue)] += amount
        }

        /// Adds `amount` against `register` for each register of `mask`.
        func avoid(_ mask: UInt16, _ register: X86Register, _ amount: Int) {
            var rest = mask
            while rest != 0 {
                let n = rest.trailingZeroBitCount
                rest &= rest - 1
                wish(n, register, -amount)
            }
        }

        func interference(_ n: Int) -> UInt16 { UInt16(truncatingIfNeeded: table[Self.interference + n]) }

        func addInterference(_ n: Int, _ mask: UInt16) {
            table[Self.interference + n] |= Int(mask)
        }

        /// A division (by a register or through a multiply-high) works in rax and rdx: the
        /// dividend wants rax (the remainder's, rdx too), the registers live after it want neither.
        func noteDivision(dst: Int, modulo: Bool, liveAfter: UInt16, weight: Int) {
            wish(dst, .rax, 2 * weight)
            if modulo { wish(dst, .rdx, weight) }
            let others = liveAfter & ~RegisterAllocator.bit(dst)
            avoid(others, .rax, 2 * weight)
            avoid(others, .rdx, 2 * weight)
        }

        /// One pass over the slots (after one over the backward jumps for the loop depths).
        func collect(_ analysis: ProgramAnalysis, liveness: RegisterLiveness, useBMI2: Bool) {
            let slots = analysis.slots
            let count = slots.count
            // Loop depth: +1 from a backward jump's target to the jump (in the scratch memory after
            // the tables, which the caller sized for it).
            let depthChange = table + Self.size
            depthChange.initialize(repeating: 0, count: count + 1)
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
            let effects = liveness.effects
            let arguments = X86Register.argumentRegisters
            var depth = 0
            for pc in 0..<count {
                depth += depthChange[pc]
                guard case .operation(let operation) = slots[pc] else { continue }
                let weight = RegisterAllocator.unit << (3 * min(depth, RegisterAllocator.maximumDepth))
                let effect = effects[pc]
                let reads = UInt16(truncatingIfNeeded: effect >> 16)
                var writes = UInt16(truncatingIfNeeded: effect)
                // Liveness lets `callx` write nothing (keeping everything alive is its safe side);
                // it does write R0, which must not share with anything live after it.
                if case .callRegister = operation { writes |= 1 }
                let after = liveAfter[pc]
                var named = (reads | writes) & used
                while named != 0 {
                    table[Self.uses + named.trailingZeroBitCount] += weight
                    named &= named - 1
                }
                var sameValue: UInt16 = 0
                switch operation {
                case .alu(.mov, .bits64, let dst, .register(let src)) where dst != src:
                    sameValue = RegisterAllocator.bit(Int(src))
                    table[Self.copies + Int(dst) * 11 + Int(src)] += weight
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
                    for n in 1...5 { wish(n, arguments[n - 1], weight) }
                    // Only R6–R10 are kept across a call (R1–R5 are undefined after it, whatever
                    // the conservative liveness says), so only they cost saves in a caller-saved register.
                    var across = after & used & 0x7c0
                    while across != 0 {
                        table[Self.acrossCalls + across.trailingZeroBitCount] += weight
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
                    addInterference(d, (after & ~sameValue | writes) & used & ~RegisterAllocator.bit(d))
                }
            }
            // The entry sets R0 (the batch entry uses its register first), R1, R2 and R10, zeroes the
            // registers read before written, and the registers live there hold those values at once.
            let liveIn = liveAfter[0] & ~UInt16(truncatingIfNeeded: effects[0]) | UInt16(truncatingIfNeeded: effects[0] >> 16)
            let entry = (liveIn | analysis.registersNeedingZero | 1 | 1 << 1 | 1 << 2 | 1 << 10) & used
            var set = entry
            while set != 0 {
                let n = set.trailingZeroBitCount
                set &= set - 1
                addInterference(n, entry & ~RegisterAllocator.bit(n))
            }
            // Make the relation symmetric.
            for n in 0..<11 {
                var others = interference(n)
                while others != 0 {
                    let m = others.trailingZeroBitCount
                    others &= others - 1
                    addInterference(m, RegisterAllocator.bit(n))
                }
            }
            // The entry's moves of R1 and R2.
            wish(1, .rdi, RegisterAllocator.unit)
            wish(2, .rsi, RegisterAllocator.unit)
        }

        // MARK: Groups

        func members(_ l: Int) -> UInt16 { UInt16(truncatingIfNeeded: table[Self.members + l]) }
        func groupInterference(_ l: Int) -> UInt16 { UInt16(truncatingIfNeeded: table[Self.groupInterference + l]) }

        func leader(of n: Int) -> Int {
            for l in 0...n where members(l) & RegisterAllocator.bit(n) != 0 { return l }
            return n
        }

        /// The best a group of `members` can get from one of `candidates`, before the other groups
        /// take theirs: its wishes, less the saves a caller-saved register costs around the calls
        /// it is live across, less a callee-saved register's push and pop.
        func bestScore(_ members: UInt16, candidates: X86RegisterSet) -> Int {
            var best = Int.min
            for register in candidates {
                let x = Int(register.rawValue)
                var score = register.isCallerSaved ? 0 : -2 * RegisterAllocator.unit
                var member = members
                while member != 0 {
                    let n = member.trailingZeroBitCount
                    member &= member - 1
                    score += table[Self.wishes + n * 16 + x]
                    if register.isCallerSaved { score -= 2 * table[Self.acrossCalls + n] }
                }
                best = max(best, score)
            }
            return best
        }

        /// Starts each used register in a group of its own, then merges copy-related groups, the
        /// heaviest copy first, when no member of one interferes with a member of the other and
        /// the merged group loses less in its wishes than the copy costs (R2 copied into R6 at the
        /// start stays apart from R6 when R2 is a helper's argument and R6 lives across the call).
        func coalesce(candidates: X86RegisterSet) {
            for n in 0..<11 where used & RegisterAllocator.bit(n) != 0 {
                table[Self.members + n] = Int(RegisterAllocator.bit(n))
                table[Self.groupInterference + n] = table[Self.interference + n]
            }
            // The copied pairs (at most 55), heaviest first, by insertion: rarely more than a few.
            var count = 0
            var dsts = used
            while dsts != 0 {
                let d = dsts.trailingZeroBitCount
                dsts &= dsts - 1
                var srcs = used & (RegisterAllocator.bit(d) &- 1)
                while srcs != 0 {
                    let s = srcs.trailingZeroBitCount
                    srcs &= srcs - 1
                    let weight = table[Self.copies + d * 11 + s] + table[Self.copies + s * 11 + d]
                    guard weight > 0 else { continue }
                    let key = weight << 8 | (d * 11 + s)
                    var slot = count
                    while slot > 0 && table[Self.pairs + slot - 1] < key {
                        table[Self.pairs + slot] = table[Self.pairs + slot - 1]
                        slot -= 1
                    }
                    table[Self.pairs + slot] = key
                    count += 1
                }
            }
            for index in 0..<count {
                let pair = table[Self.pairs + index] & 0xff
                let weight = table[Self.pairs + index] >> 8
                let (a, b) = (leader(of: pair / 11), leader(of: pair % 11))
                guard a != b, members(a) & groupInterference(b) == 0 else { continue }
                let apart = bestScore(members(a), candidates: candidates) + bestScore(members(b), candidates: candidates)
                guard bestScore(members(a) | members(b), candidates: candidates) + weight >= apart else { continue }
                let (kept, merged) = (min(a, b), max(a, b))
                table[Self.members + kept] |= table[Self.members + merged]
                table[Self.groupInterference + kept] |= table[Self.groupInterference + merged]
                table[Self.members + merged] = 0
            }
        }

        /// Gives each group its register and builds the map.
        func assign(base: RegisterMap, candidates: X86RegisterSet, budgetEnabled: Bool, movesContext: Bool) -> RegisterMap {
            let callerSaved = candidates.filter { $0.isCallerSaved }
            // Callee-saved registers the prologue saves anyway.
            var pushed = X86RegisterSet()
            if !base.context.isCallerSaved { pushed.insert(base.context) }
            if budgetEnabled && !base.counter.isCallerSaved { pushed.insert(base.counter) }

            // Per group and x86 register: its members' wishes, the cost of saving a caller-saved
            // register around the calls they are live across, a tie-break to the base map; the
            // registers each group wishes for; the groups, most used first.
            var groupCount = 0
            for l in 0..<11 where members(l) != 0 {
                let row = Self.costs + l * 16
                var total = 0
                var member = members(l)
                while member != 0 {
                    let n = member.trailingZeroBitCount
                    member &= member - 1
                    total += table[Self.uses + n]
                    for x in 0..<16 { table[row + x] += table[Self.wishes + n * 16 + x] }
                    let across = 2 * table[Self.acrossCalls + n]
                    if across != 0 {
                        for register in callerSaved { table[row + Int(register.rawValue)] -= across }
                    }
                    table[row + Int(base.ebpf[n].rawValue)] += 1
                }
                var mask = 0
                for x in 0..<16 where table[row + x] >= RegisterAllocator.unit { mask |= 1 << x }
                table[Self.wished + l] = mask
                var slot = groupCount
                while slot > 0 && table[Self.orderUses + slot - 1] < total {
                    table[Self.order + slot] = table[Self.order + slot - 1]
                    table[Self.orderUses + slot] = table[Self.orderUses + slot - 1]
                    slot -= 1
                }
                table[Self.order + slot] = l
                table[Self.orderUses + slot] = total
                groupCount += 1
            }

            // (An array literal: `Array(repeating:count:)` looks up the array's generic metadata each time.)
            let unused = base.scratch
            var ebpf = [unused, unused, unused, unused, unused, unused, unused, unused, unused, unused, unused]
            var pending: UInt16 = 0
            for index in 0..<groupCount { pending |= RegisterAllocator.bit(table[Self.order + index]) }
            for index in 0..<groupCount {
                let group = table[Self.order + index]
                let groupMembers = members(group)
                let conflicts = groupInterference(group)
                pending &= ~RegisterAllocator.bit(group)
                // Half of what the groups still waiting that cannot share with this one wish for.
                for x in 0..<16 { table[Self.contested + x] = 0 }
                var others = pending
                while others != 0 {
                    let l = others.trailingZeroBitCount
                    others &= others - 1
                    var mask = table[Self.wished + l]
                    guard mask != 0, members(l) & conflicts != 0 else { continue }
                    while mask != 0 {
                        let x = mask.trailingZeroBitCount
                        mask &= mask - 1
                        table[Self.contested + x] += table[Self.costs + l * 16 + x] / 2
                    }
                }
                var best = base.scratch
                var bestScore = Int.min
                for register in candidates {
                    let x = Int(register.rawValue)
                    guard UInt16(truncatingIfNeeded: table[Self.occupants + x]) & conflicts == 0 else { continue }
                    var score = table[Self.costs + group * 16 + x] - table[Self.contested + x]
                    if !register.isCallerSaved && !pushed.contains(register) { score -= 2 * RegisterAllocator.unit }
                    if score > bestScore {
                        best = register
                        bestScore = score
                    }
                }
                precondition(bestScore > Int.min, "no register left for a group")
                table[Self.occupants + Int(best.rawValue)] |= Int(groupMembers)
                if !best.isCallerSaved { pushed.insert(best) }
                var member = groupMembers
                while member != 0 {
                    ebpf[member.trailingZeroBitCount] = best
                    member &= member - 1
                }
            }
            // Without helper calls nothing needs the context in a callee-saved register: a free
            // caller-saved one (not rax, rcx or rdx, which divisions and shifts clobber) saves the
            // prologue's push and the epilogue's pop. (The memory-check slow path saves it like any
            // caller-saved register it must keep.)
            var context = base.context
            if movesContext && !context.isCallerSaved {
                for register in [X86Register.r9, .r8, .rsi, .rdi]
                where candidates.contains(register) && table[Self.occupants + Int(register.rawValue)] == 0 {
                    context = register
                    break
                }
            }
            return RegisterMap(allocated: ebpf, context: context, counter: base.counter, scratch: base.scratch)
        }
    }
}
