import EBPFCore

/// The structure checks that need no abstract state (the Linux verifier's `check_cfg` and
/// friends), and the facts about the control-flow graph the analysis uses afterwards: where
/// each function starts, which instructions are jump targets (where states are compared), and
/// whether the program has loops.
struct ProgramStructure {
    let instructions: [Instruction]
    /// The table row of each slot; `nil` for the second half of an `lddw`.
    let descriptors: [OpcodeDescriptor?]
    /// First instruction of each function, ascending; the entry function starts at 0.
    let functionStarts: [Int]
    /// For each slot, the index into `functionStarts` of the function that contains it.
    let functionOfSlot: [Int]
    /// Instructions where the analysis stores and compares states.
    let isPrunePoint: [Bool]
    /// Targets of back-edges (loop heads), empty when the program has no loop.
    let loopHeads: Set<Int>

    static func analyze(
        _ instructions: [Instruction], helpers: HelperRegistry, options: VerifierOptions
    ) throws(VerifierError) -> ProgramStructure {
        let count = instructions.count
        guard count > 0 else { throw VerifierError(index: 0, message: "empty program") }
        guard count <= options.maxInstructions else {
            throw VerifierError(
                index: options.maxInstructions,
                message: "program too large: \(count) instructions, the limit is \(options.maxInstructions)")
        }
        let descriptors = try decode(instructions)

        // Functions: the entry point and every local call target.
        var starts: Set<Int> = [0]
        for (index, descriptor) in descriptors.enumerated() where descriptor?.shape == .localCall {
            let target = index + Int(instructions[index].immediate) + 1
            guard target >= 0, target < count, descriptors[target] != nil else {
                throw VerifierError(index: index, message: "call to invalid destination (insn \(target))")
            }
            starts.insert(target)
        }
        let functionStarts = starts.sorted()
        var functionOfSlot = [Int](repeating: 0, count: count)
        for (function, start) in functionStarts.enumerated() {
            let end = function + 1 < functionStarts.count ? functionStarts[function + 1] : count
            for slot in start..<end { functionOfSlot[slot] = function }
            var last = end - 1
            if descriptors[last] == nil { last -= 1 }
            let lastOpcode = instructions[last].opcode
            guard lastOpcode == Opcode.exit || lastOpcode == Opcode.ja || lastOpcode == Opcode.ja32 else {
                throw VerifierError(index: last, message: "last insn is not an exit or jmp")
            }
        }

        // Jumps stay inside their function and land on an instruction.
        var isPrunePoint = [Bool](repeating: false, count: count)
        for start in functionStarts { isPrunePoint[start] = true }
        for (index, descriptor) in descriptors.enumerated() {
            guard let descriptor, let target = jumpTarget(of: instructions[index], descriptor, at: index) else {
                if descriptor?.shape == .localCall, index + 1 < count { isPrunePoint[index + 1] = true }
                continue
            }
            let function = functionOfSlot[index]
            guard target >= 0, target < count, functionOfSlot[target] == function else {
                throw VerifierError(index: index, message: "jump out of range from insn \(index) to \(target)")
            }
            guard descriptors[target] != nil else {
                throw VerifierError(index: index, message: "jump into the middle of ldimm64 insn \(target - 1)")
            }
            isPrunePoint[target] = true
            if descriptor.shape == .compareImmediate || descriptor.shape == .compareRegister {
                isPrunePoint[index + 1] = true
            }
        }

        try checkReferences(instructions, descriptors, helpers: helpers, options: options)
        let loopHeads = try checkControlFlow(instructions, descriptors, loops: options.loops)
        return ProgramStructure(
            instructions: instructions, descriptors: descriptors, functionStarts: functionStarts,
            functionOfSlot: functionOfSlot, isPrunePoint: isPrunePoint, loopHeads: loopHeads)
    }

    /// The slot a jump goes to when taken, or `nil` for instructions that are not jumps.
    static func jumpTarget(of instruction: Instruction, _ descriptor: OpcodeDescriptor, at index: Int) -> Int? {
        switch descriptor.shape {
        case .jumpOffset, .compareImmediate, .compareRegister: index + Int(instruction.offset) + 1
        case .jumpImmediateOffset: index + Int(instruction.immediate) + 1
        default: nil
        }
    }

    /// Looks every slot up in the instruction table; a malformed slot is reported as the kernel
    /// reports it.
    private static func decode(_ instructions: [Instruction]) throws(VerifierError) -> [OpcodeDescriptor?] {
        do {
            _ = try Program(validating: instructions)
        } catch {
            let message: String
            switch error {
            case .unknownOpcode(_, let opcode):
                message = "unknown opcode \(hex2(opcode))"
            case .reservedField(let index, _, _, _):
                message = "\(className(instructions[index].instructionClass)) uses reserved fields"
            case .invalidRegister(_, _, let register):
                message = "R\(register) is invalid"
            case .missingWideSecondHalf, .malformedWideSecondHalf, .truncated:
                message = "invalid bpf_ld_imm64 insn"
            }
            throw VerifierError(index: error.index, message: message)
        }
        var descriptors = [OpcodeDescriptor?](repeating: nil, count: instructions.count)
        var index = 0
        while index < instructions.count {
            let descriptor = InstructionSet.descriptor(for: instructions[index])!
            descriptors[index] = descriptor
            index += descriptor.shape == .dstWideImmediate ? 2 : 1
        }
        return descriptors
    }

    /// Helpers and maps named by the program must exist; GPL-only helpers need a GPL licence.
    private static func checkReferences(
        _ instructions: [Instruction], _ descriptors: [OpcodeDescriptor?], helpers: HelperRegistry,
        options: VerifierOptions
    ) throws(VerifierError) {
        for (index, descriptor) in descriptors.enumerated() {
            guard let descriptor else { continue }
            let instruction = instructions[index]
            switch descriptor.shape {
            case .helperCall:
                guard let helper = helpers[instruction.immediate] else {
                    throw VerifierError(index: index, message: "invalid func unknown#\(instruction.immediate)")
                }
                if helper.gplOnly && !isGPLCompatible(options.license) {
                    throw VerifierError(
                        index: index, message: "cannot call GPL-restricted function from non-GPL compatible program")
                }
            case .dstWideImmediate:
                let kind = LoadImmediateKind(rawValue: instruction.src)!
                switch kind {
                case .constant:
                    break
                case .mapByFD, .mapByIndex, .mapValueByFD, .mapValueByIndex:
                    guard let map = options.maps[instruction.immediate] else {
                        throw VerifierError(
                            index: index, message: "fd \(instruction.immediate) is not pointing to valid bpf_map")
                    }
                    if kind == .mapValueByFD || kind == .mapValueByIndex {
                        let offset = Int64(UInt32(bitPattern: instructions[index + 1].immediate))
                        guard offset < map.valueSize else {
                            throw VerifierError(
                                index: index,
                                message: "invalid access to map value pointer, value_size=\(map.valueSize) off=\(offset)")
                        }
                    }
                case .variableAddress, .codeAddress:
                    throw VerifierError(index: index, message: "unsupported lddw src=\(instruction.src) (\(kind))")
                }
            default:
                break
            }
        }
    }

    /// Depth-first search over the control-flow graph (through local calls): rejects back-edges
    /// under the strict loop policy and unreachable instructions; returns the loop heads.
    private static func checkControlFlow(
        _ instructions: [Instruction], _ descriptors: [OpcodeDescriptor?], loops: VerifierOptions.LoopPolicy
    ) throws(VerifierError) -> Set<Int> {
        let count = instructions.count
        // 0 = not seen, 1 = on the DFS stack, 2 = done.
        var color = [UInt8](repeating: 0, count: count)
        var loopHeads: Set<Int> = []
        var stack: [(node: Int, successors: [Int], next: Int)] = []
        func successors(_ index: Int) -> [Int] {
            let instruction = instructions[index]
            let descriptor = descriptors[index]!
            switch descriptor.shape {
            case .none: return []
            case .jumpOffset, .jumpImmediateOffset: return [jumpTarget(of: instruction, descriptor, at: index)!]
            case .compareImmediate, .compareRegister: return [index + 1, jumpTarget(of: instruction, descriptor, at: index)!]
            case .localCall: return [index + Int(instruction.immediate) + 1, index + 1]
            case .dstWideImmediate: return [index + 2]
            default: return [index + 1]
            }
        }
        color[0] = 1
        stack.append((0, successors(0), 0))
        while !stack.isEmpty {
            let top = stack.count - 1
            if stack[top].next == stack[top].successors.count {
                color[stack[top].node] = 2
                stack.removeLast()
                continue
            }
            let from = stack[top].node
            let target = stack[top].successors[stack[top].next]
            stack[top].next += 1
            switch color[target] {
            case 0:
                color[target] = 1
                stack.append((target, successors(target), 0))
            case 1:
                if loops == .strict {
                    throw VerifierError(index: from, message: "back-edge from insn \(from) to \(target)")
                }
                loopHeads.insert(target)
            default:
                break
            }
        }
        for index in 0..<count where descriptors[index] != nil && color[index] == 0 {
            throw VerifierError(index: index, message: "unreachable insn \(index)")
        }
        return loopHeads
    }

    static func className(_ instructionClass: InstructionClass) -> String {
        switch instructionClass {
        case .ld: "BPF_LD"
        case .ldx: "BPF_LDX"
        case .st: "BPF_ST"
        case .stx: "BPF_STX"
        case .alu: "BPF_ALU"
        case .jmp: "BPF_JMP"
        case .jmp32: "BPF_JMP32"
        case .alu64: "BPF_ALU64"
        }
    }

    /// The licences the kernel accepts as GPL-compatible (`license_is_gpl_compatible`).
    static func isGPLCompatible(_ license: String?) -> Bool {
        guard let license else { return false }
        return ["GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"]
            .contains(license)
    }
}

func hex2(_ byte: UInt8) -> String {
    let text = String(byte, radix: 16)
    return text.count == 1 ? "0" + text : text
}
