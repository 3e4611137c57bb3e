import EBPFCore
import EBPFProgramGenerator

/// Seeded instruction-level mutations of a program, for the verifier soundness campaign: small
/// changes that turn a safe access into one just past its region's edge, or a check into one
/// that no longer guards it — an offset or an immediate moved by a little, an access or a store
/// of another width, a comparison one step looser, a sign-extending load instead of a
/// zero-extending one, an operation or register swapped. Jump targets and the slot count stay,
/// so most mutants still pass the structural checks.
public struct ProgramMutator {
    var rng: SplitMix64

    public init(seed: UInt64) {
        rng = SplitMix64(seed: seed)
    }

    static let offsetSteps: [Int] = [1, -1, 2, -2, 4, -4, 8, -8]
    static let immediateSteps: [Int32] = [1, -1, 2, -2, 8, -8, 64, -64]
    static let edgeImmediates: [Int32] = [0, -1, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0xffff, 0x10000, Int32.max, Int32.min]
    /// Comparisons and the one next to each (looser or stricter by one, or the signed twin).
    static let neighbours: [JumpOperation: [JumpOperation]] = [
        .jgt: [.jge, .jsgt, .jne], .jge: [.jgt, .jsge, .jeq], .jlt: [.jle, .jslt, .jne], .jle: [.jlt, .jsle, .jeq],
        .jsgt: [.jsge, .jgt], .jsge: [.jsgt, .jge], .jslt: [.jsle, .jlt], .jsle: [.jslt, .jle],
        .jeq: [.jne, .jge], .jne: [.jeq, .jgt], .jset: [.jne, .jeq],
    ]
    static let swappableOperations: [ALUOperation] = [.add, .sub, .and, .or, .xor, .lsh, .rsh, .arsh, .mov]

    mutating func below(_ bound: Int) -> Int { rng.below(bound) }

    /// `instructions` with `count` mutations at random slots (slots that hold no instruction of
    /// their own, the second halves of `lddw`, are left alone).
    public mutating func mutate(_ instructions: [Instruction], count: Int) -> [Instruction] {
        var result = instructions
        var isSecondHalf = [Bool](repeating: false, count: result.count)
        for index in result.indices where result[index].opcode == Opcode.lddw && index + 1 < result.count {
            isSecondHalf[index + 1] = true
        }
        let candidates = result.indices.filter { !isSecondHalf[$0] }
        guard !candidates.isEmpty else { return result }
        for _ in 0..<count {
            let index = rng.element(of: candidates)
            result[index] = mutate(result[index])
        }
        return result
    }

    /// One mutation of one instruction (possibly none, when the chosen kind does not apply).
    mutating func mutate(_ instruction: Instruction) -> Instruction {
        var mutated = instruction
        let cls = instruction.instructionClass
        let code = instruction.opcode & 0xf0
        switch cls {
        case .ldx, .st, .stx:
            switch below(4) {
            case 0, 1:
                let offset = Int(instruction.offset) + rng.element(of: Self.offsetSteps)
                mutated.offset = Int16(clamping: offset)
            case 2:
                // Another width (atomics keep theirs).
                if instruction.opcode & 0xe0 != MemoryMode.atomic.rawValue {
                    mutated.opcode = (instruction.opcode & ~0x18) | rng.element(of: MemorySize.allCases).rawValue
                }
            default:
                if cls == .ldx {
                    // Sign-extending or not (not for 8 bytes).
                    let mode = instruction.opcode & 0xe0
                    if instruction.opcode & 0x18 != MemorySize.double.rawValue {
                        mutated.opcode = (instruction.opcode & ~0xe0)
                            | (mode == MemoryMode.mem.rawValue ? MemoryMode.memsx : MemoryMode.mem).rawValue
                    }
                } else if cls == .st {
                    mutated.immediate = mutatedImmediate(instruction.immediate)
                } else {
                    mutated.src = UInt8(below(11))
                }
            }
        case .alu, .alu64:
            let operation = ALUOperation(rawValue: code)
            switch below(4) {
            case 0, 1:
                if instruction.opcode & OperandSource.register.rawValue == 0 { mutated.immediate = mutatedImmediate(instruction.immediate) }
            case 2:
                if let operation, Self.swappableOperations.contains(operation) {
                    mutated.opcode = (instruction.opcode & 0x0f) | rng.element(of: Self.swappableOperations).rawValue
                }
            default:
                // 32 ↔ 64 bits.
                if operation != .end { mutated.opcode ^= InstructionClass.alu.rawValue ^ InstructionClass.alu64.rawValue }
            }
        case .jmp, .jmp32:
            guard let operation = JumpOperation(rawValue: code), let near = Self.neighbours[operation] else { return mutated }
            switch below(3) {
            case 0:
                mutated.opcode = (instruction.opcode & 0x0f) | rng.element(of: near).rawValue
            case 1:
                if instruction.opcode & OperandSource.register.rawValue == 0 { mutated.immediate = mutatedImmediate(instruction.immediate) }
            default:
                mutated.opcode ^= InstructionClass.jmp.rawValue ^ InstructionClass.jmp32.rawValue
            }
        case .ld:
            break
        }
        return mutated
    }

    mutating func mutatedImmediate(_ immediate: Int32) -> Int32 {
        rng.chance(3, in: 4) ? immediate &+ rng.element(of: Self.immediateSteps) : rng.element(of: Self.edgeImmediates)
    }
}
