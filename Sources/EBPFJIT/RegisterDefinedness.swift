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
        let count = analysis.slots.count
        let used = (0...10).reduce(UInt16(0)) { analysis.usesRegister[$1] ? $0 | 1 << UInt16($1) : $0 }
        let loaded: UInt16 = 1 << 1 | 1 << 2 | 1 << 10
        guard count > 0, !analysis.hasLocalCalls else {
            needsZero = used & ~loaded
            return
        }
        var blockOf = Array(repeating: -1, count: count)
        var leaders: [Int] = []
        for pc in 0..<count where analysis.isLeader[pc] {
            blockOf[pc] = leaders.count
            leaders.append(pc)
        }
        var unwrittenIn = Array(repeating: UInt16(0), count: leaders.count)
        var reached = Array(repeating: false, count: leaders.count)
        var queued = Array(repeating: false, count: leaders.count)
        var worklist: [Int] = []
        var needs: UInt16 = 0

        func merge(_ unwritten: UInt16, into block: Int) {
            let merged = unwrittenIn[block] | unwritten
            if !reached[block] || merged != unwrittenIn[block] {
                reached[block] = true
                unwrittenIn[block] = merged
                if !queued[block] {
                    queued[block] = true
                    worklist.append(block)
                }
            }
        }
        // R1, R2, R10 are loaded by the prologue.
        merge(Self.all & ~loaded, into: 0)
        while let block = worklist.popLast() {
            queued[block] = false
            var unwritten = unwrittenIn[block]
            var pc = leaders[block]
            walk: while pc < count {
                if pc != leaders[block] && analysis.isLeader[pc] {
                    merge(unwritten, into: blockOf[pc])
                    break
                }
                let instruction = analysis.instructions[pc]
                switch analysis.slots[pc] {
                case .wideSecondHalf:
                    pc += 1
                case .trap:
                    break walk
                case .conditionalTrap:
                    // Its condition is evaluated: it reads what it names (any register, to be safe).
                    needs |= unwritten
                    pc += 1
                case .instruction(let descriptor):
                    let (reads, writes) = Self.effects(instruction, descriptor)
                    needs |= reads & unwritten
                    unwritten &= ~writes
                    switch descriptor.shape {
                    case .none where descriptor.instructionClass == .jmp:
                        // exit
                        break walk
                    case .jumpOffset, .jumpImmediateOffset, .compareImmediate, .compareRegister:
                        if let target = Program.branchTarget(of: instruction, at: pc), analysis.isValidTarget(target) {
                            merge(unwritten, into: blockOf[target])
                        }
                        let isUnconditional = JumpOperation(rawValue: instruction.opcode & 0xf0) == .ja
                        if isUnconditional { break walk }
                        pc += 1
                    default:
                        pc += descriptor.shape == .dstWideImmediate ? 2 : 1
                    }
                }
            }
        }
        needsZero = needs & used
    }

    /// Registers one instruction reads and writes (bit sets).
    static func effects(_ instruction: Instruction, _ descriptor: OpcodeDescriptor) -> (reads: UInt16, writes: UInt16) {
        let dst: UInt16 = 1 << UInt16(instruction.dst)
        let src: UInt16 = 1 << UInt16(instruction.src)
        let sourceRead: UInt16 = descriptor.shape == .dstSource ? src : 0
        switch descriptor.instructionClass {
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
            switch descriptor.shape {
            case .dstWideImmediate: return (0, dst)
            case .packetIndirect: return (src, 1)
            default: return (0, 1)
            }
        case .jmp, .jmp32:
            switch descriptor.shape {
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
