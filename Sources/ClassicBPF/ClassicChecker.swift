/// The kernel's rules for classic programs (`bpf_check_classic`, and `seccomp_check_filter` for
/// seccomp): a known opcode everywhere, forward jumps that stay inside the program, a return
/// at the end, constant divisors non-zero, constant shifts below 32, scratch words in range and
/// written before they are read on every path, at most 4096 instructions.
public enum ClassicChecker {
    /// Size of the seccomp context in bytes (`struct seccomp_data`).
    static let seccompDataSize: UInt32 = 64

    /// Checks `program` for `kind`; throws the first rule broken, in instruction order.
    public static func check(_ program: ClassicProgram, kind: ClassicFilterKind) throws(ClassicCheckError) {
        let instructions = program.instructions
        guard !instructions.isEmpty else { throw .empty }
        guard instructions.count <= ClassicLimits.maxInstructions else { throw .tooLong(count: instructions.count) }
        for (index, instruction) in instructions.enumerated() {
            try checkInstruction(instruction, at: index, count: instructions.count, kind: kind)
        }
        let last = instructions.count - 1
        guard instructions[last].operation?.isReturn == true else { throw .missingReturn(index: last) }
        try checkScratchInitialized(instructions)
    }

    private static func checkInstruction(
        _ instruction: ClassicInstruction, at index: Int, count: Int, kind: ClassicFilterKind
    ) throws(ClassicCheckError) {
        guard let operation = instruction.operation else { throw .unknownOpcode(index: index, code: instruction.code) }
        let k = instruction.k
        if kind == .seccomp { try checkSeccomp(operation, k: k, at: index) }
        switch operation {
        case .alu(.div, .k), .alu(.mod, .k):
            if k == 0 { throw .divisionByZero(index: index) }
        case .alu(.lsh, .k), .alu(.rsh, .k):
            if k >= 32 { throw .shiftOutOfRange(index: index, amount: k) }
        case .loadScratch, .loadXScratch, .store, .storeX:
            if k >= UInt32(ClassicLimits.scratchWords) { throw .scratchIndexOutOfRange(index: index, slot: k) }
        case .loadAbsolute, .loadIndirect, .loadXHeaderLength:
            if kind != .seccomp && k >= 0xffff_f000 { throw .ancillaryLoad(index: index, offset: k) }
        case .jumpAlways:
            let target = index + 1 + Int(k)
            if target >= count { throw .jumpOutOfRange(index: index, target: target) }
        case .jump:
            for offset in [instruction.jumpIfTrue, instruction.jumpIfFalse] {
                let target = index + 1 + Int(offset)
                if target >= count { throw .jumpOutOfRange(index: index, target: target) }
            }
        default:
            break
        }
    }

    private static func checkSeccomp(_ operation: ClassicOperation, k: UInt32, at index: Int) throws(ClassicCheckError) {
        switch operation {
        case .loadAbsolute(.word):
            if k >= seccompDataSize || k % 4 != 0 { throw .seccompOffset(index: index, offset: k) }
        case .loadAbsolute, .loadIndirect, .loadXHeaderLength, .alu(.mod, _):
            throw .notAllowedInSeccomp(index: index, code: operation.code)
        default:
            break
        }
    }

    /// Forward data flow over the scratch words: a word is initialised at an instruction when
    /// every path reaching it stored to the word. Jumps only go forward, so one pass in order
    /// sees every predecessor before its successors.
    private static func checkScratchInitialized(_ instructions: [ClassicInstruction]) throws(ClassicCheckError) {
        let allWords: UInt16 = 0xffff
        // What is known on entry to each instruction from the jumps that reach it.
        var fromJumps = [UInt16](repeating: allWords, count: instructions.count)
        var current: UInt16 = 0
        for (index, instruction) in instructions.enumerated() {
            current &= fromJumps[index]
            guard let operation = instruction.operation else { continue }
            let bit: UInt16 = operation.usesScratch ? 1 << UInt16(instruction.k) : 0
            switch operation {
            case .store, .storeX:
                current |= bit
            case .loadScratch, .loadXScratch:
                if current & bit == 0 { throw .scratchReadBeforeWrite(index: index, slot: Int(instruction.k)) }
            case .jumpAlways:
                fromJumps[index + 1 + Int(instruction.k)] &= current
                current = allWords
            case .jump:
                fromJumps[index + 1 + Int(instruction.jumpIfTrue)] &= current
                fromJumps[index + 1 + Int(instruction.jumpIfFalse)] &= current
                current = allWords
            case .returnK, .returnA:
                current = allWords
            default:
                break
            }
        }
    }
}
