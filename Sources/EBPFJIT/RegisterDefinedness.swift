import EBPFCore

/// Which eBPF registers some path from the entry may read before writing them: the only ones
/// the prologue must zero (R1, R2 and R10 are loaded anyway). A forward may-analysis over the
/// basic blocks on 11-bit sets: a register is "possibly unwritten" at a point if it is on some
/// path from the entry that never writes it; reading it there makes it need a zero.
///
/// Conservative where it is not exact: a program with local calls zeroes every register it
/// uses (a callee reads what its callers left, whichever they were), a helper call reads R1–R5,
/// `exit` reads R0, and any instruction the analysis does not model reads everything.
struct RegisterDefinedness {
    /// Bit n set: Rn may be read before it is written.
    let needsZero: UInt16

    static let all: UInt16 = 0x7ff

    init(_ analysis: ProgramAnalysis) {
        let used = (0...10).reduce(UInt16(0)) { analysis.usesRegister[$1] ? $0 | 1 << UInt16($1) : $0 }
        let loaded: UInt16 = 1 << 1 | 1 << 2 | 1 << 10
        guard !analysis.slots.isEmpty, !analysis.hasLocalCalls else {
            needsZero = used & ~loaded
            return
        }
        var solver = Solver(analysis)
        // R1, R2, R10 are loaded by the prologue.
        solver.merge(Self.all & ~loaded, into: 0)
        solver.solve()
        needsZero = solver.needs & used
    }

    /// The fixed-point iteration, as a value with mutating methods (no closures capturing
    /// mutable state).
    private struct Solver {
        let analysis: ProgramAnalysis
        var blockOf: [Int]
        var leaders: [Int] = []
        /// Registers possibly unwritten on entry to each block.
        var unwrittenIn: [UInt16]
        var reached: [Bool]
        var queued: [Bool]
        var pending = 0
        var needs: UInt16 = 0

        init(_ analysis: ProgramAnalysis) {
            self.analysis = analysis
            let count = analysis.slots.count
            blockOf = Array(repeating: -1, count: count)
            for pc in 0..<count where analysis.isLeader[pc] {
                blockOf[pc] = leaders.count
                leaders.append(pc)
            }
            unwrittenIn = Array(repeating: 0, count: leaders.count)
            reached = Array(repeating: false, count: leaders.count)
            queued = Array(repeating: false, count: leaders.count)
        }

        mutating func merge(_ unwritten: UInt16, into block: Int) {
            let merged = unwrittenIn[block] | unwritten
            guard !reached[block] || merged != unwrittenIn[block] else { return }
            reached[block] = true
            unwrittenIn[block] = merged
            if !queued[block] {
                queued[block] = true
                pending += 1
            }
        }

        /// Sweeps in block order until nothing is queued (see ``AddressAnalysis``).
        mutating func solve() {
            while pending > 0 {
                for block in 0..<leaders.count where queued[block] {
                    queued[block] = false
                    pending -= 1
                    walk(block: block)
                }
            }
        }

        mutating func walk(block: Int) {
            let count = analysis.slots.count
            var unwritten = unwrittenIn[block]
            let leader = leaders[block]
            var pc = leader
            while pc < count {
                if pc != leader && analysis.isLeader[pc] {
                    merge(unwritten, into: blockOf[pc])
                    return
                }
                let instruction = analysis.instructions[pc]
                guard let shape = analysis.shapes[pc] else {
                    switch analysis.slots[pc] {
                    case .trap:
                        return
                    case .conditionalTrap:
                        // Its condition is evaluated: it reads what it names (any register, to be safe).
                        needs |= unwritten
                    default:
                        break
                    }
                    pc += 1
                    continue
                }
                let (reads, writes) = RegisterDefinedness.effects(instruction, shape)
                needs |= reads & unwritten
                unwritten &= ~writes
                switch shape {
                case .none where instruction.opcode & 0x07 == InstructionClass.jmp.rawValue:
                    return   // exit
                case .jumpOffset, .jumpImmediateOffset, .compareImmediate, .compareRegister:
                    if let target = Program.branchTarget(of: instruction, at: pc), analysis.isValidTarget(target) {
                        merge(unwritten, into: blockOf[target])
                    }
                    if JumpOperation(rawValue: instruction.opcode & 0xf0) == .ja { return }
                    pc += 1
                default:
                    pc += shape == .dstWideImmediate ? 2 : 1
                }
            }
        }
    }

    /// Registers one instruction reads and writes (bit sets).
    static func effects(_ instruction: Instruction, _ shape: OperandShape) -> (reads: UInt16, writes: UInt16) {
        let dst: UInt16 = 1 << UInt16(instruction.dst)
        let src: UInt16 = 1 << UInt16(instruction.src)
        let sourceRead: UInt16 = shape == .dstSource ? src : 0
        switch InstructionClass(rawValue: instruction.opcode & 0x07)! {
        case .alu, .alu64:
            let isMove = ALUOperation(rawValue: instruction.opcode & 0xf0) == .mov
            return (isMove ? sourceRead : dst | sourceRead, dst)
        case .ldx:
            return (src, dst)
        case .st:
            return (dst, 0)
        case .stx:
            if MemoryMode(rawValue: instruction.opcode & 0xe0) == .atomic {
                // Fetch forms write src; cmpxchg reads and writes R0.
                return (dst | src | 1, src | 1)
            }
            return (dst | src, 0)
        case .ld:
            switch shape {
            case .dstWideImmediate: return (0, dst)
            case .packetIndirect: return (src, 1)
            default: return (0, 1)
            }
        case .jmp, .jmp32:
            switch shape {
            case .helperCall: return (0b11_1110, 0b11_1111)
            case .registerCall: return (0b11_1110 | dst, 0b11_1111)
            case .none: return (1, 0)   // exit returns R0
            case .compareRegister: return (dst | src, 0)
            case .compareImmediate: return (dst, 0)
            case .jumpOffset, .jumpImmediateOffset: return (0, 0)
            default: return (all, 0)
            }
        }
    }
}
