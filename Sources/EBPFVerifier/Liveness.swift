import EBPFCore

/// Which registers each instruction may read before they are written again on some path: the
/// classic backward data-flow analysis, one function at a time (a local call reads R1–R5 and
/// writes R0–R5). State comparison ignores dead registers, and the JIT may use the sets too.
struct Liveness {
    /// Bit `r` of `liveIn[pc]` is set when R`r` is live on entry to the instruction at `pc`.
    let liveIn: [UInt16]

    static let argumentRegisters: UInt16 = 0b11_1110
    static let callerSaved: UInt16 = 0b11_1111
    static let calleeSaved: UInt16 = 0b11_1100_0000

    init(_ structure: ProgramStructure, helpers: HelperRegistry) {
        let instructions = structure.instructions
        let count = instructions.count
        var uses = [UInt16](repeating: 0, count: count)
        var defs = [UInt16](repeating: 0, count: count)
        var successors = [[Int]](repeating: [], count: count)
        for index in 0..<count {
            guard let descriptor = structure.descriptors[index] else { continue }
            let instruction = instructions[index]
            let (u, d) = Self.usesAndDefinitions(instruction, descriptor, helpers: helpers)
            uses[index] = u
            defs[index] = d
            switch descriptor.shape {
            case .none:
                break
            case .jumpOffset, .jumpImmediateOffset:
                successors[index] = [ProgramStructure.jumpTarget(of: instruction, descriptor, at: index)!]
            case .compareImmediate, .compareRegister:
                successors[index] = [index + 1, ProgramStructure.jumpTarget(of: instruction, descriptor, at: index)!]
            case .dstWideImmediate:
                successors[index] = [index + 2]
            default:
                successors[index] = [index + 1]
            }
        }
        var live = [UInt16](repeating: 0, count: count)
        var changed = true
        while changed {
            changed = false
            for index in stride(from: count - 1, through: 0, by: -1) where structure.descriptors[index] != nil {
                var out: UInt16 = 0
                for successor in successors[index] where successor < count { out |= live[successor] }
                let new = uses[index] | (out & ~defs[index])
                if new != live[index] {
                    live[index] = new
                    changed = true
                }
            }
        }
        liveIn = live
    }

    private static func bit(_ register: UInt8) -> UInt16 { 1 << UInt16(register) }

    private static func usesAndDefinitions(
        _ instruction: Instruction, _ descriptor: OpcodeDescriptor, helpers: HelperRegistry
    ) -> (uses: UInt16, defs: UInt16) {
        let dst = bit(instruction.dst)
        let src = bit(instruction.src)
        switch descriptor.shape {
        case .dstImmediate:
            let isMove = descriptor.opcode & 0xf0 == ALUOperation.mov.rawValue
            return (isMove ? 0 : dst, dst)
        case .dstSource:
            let isMove = descriptor.opcode & 0xf0 == ALUOperation.mov.rawValue
            return (isMove ? src : dst | src, dst)
        case .dstOnly:
            return (dst, dst)
        case .dstWideImmediate:
            return (0, dst)
        case .loadFromMemory:
            return (src, dst)
        case .storeImmediate:
            return (dst, 0)
        case .storeRegister:
            guard descriptor.opcode & 0xe0 == MemoryMode.atomic.rawValue else { return (dst | src, 0) }
            let operation = descriptor.fixedImmediate
            if operation == AtomicOperation.cmpxchg.rawValue { return (dst | src | 1, 1) }
            return (dst | src, operation & 1 != 0 ? src : 0)
        case .compareImmediate:
            return (dst, 0)
        case .compareRegister:
            return (dst | src, 0)
        case .helperCall:
            let arguments = helpers[instruction.immediate]?.signature.arguments.count ?? 5
            return (argumentMask(arguments), callerSaved)
        case .registerCall:
            return (dst | argumentRegisters, callerSaved)
        case .localCall:
            return (argumentRegisters, callerSaved)
        case .none:
            return (1, 0)
        case .packetAbsolute:
            return (0, 1)
        case .packetIndirect:
            return (src, 1)
        case .jumpOffset, .jumpImmediateOffset:
            return (0, 0)
        }
    }

    private static func argumentMask(_ count: Int) -> UInt16 {
        var mask: UInt16 = 0
        for register in 1...5 where register <= count { mask |= 1 << UInt16(register) }
        return mask
    }
}
