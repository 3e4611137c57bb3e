import EBPFCore

/// The checks that need no abstract state (the Linux verifier's `check_cfg` and friends), made on
/// the program's decoded form and its control-flow graph (``EBPFCore/DecodedProgram``, built
/// once per program). They report in the kernel's words, in a fixed order, the first problem
/// found: size, decoding, call targets, function ends, jump targets, helpers and maps, then
/// back-edges (under `strict`) and unreachable instructions.
enum StructuralChecks {
    static func check(_ program: Program, helpers: HelperRegistry, options: VerifierOptions) throws(VerifierError) {
        let decoded = program.decoded
        let count = decoded.count
        guard count > 0 else { throw VerifierError(kind: .structure, index: 0, message: "empty program") }
        guard count <= options.maxInstructions else {
            throw VerifierError(
                kind: .resourceLimit, index: options.maxInstructions,
                message: "program too large: \(count) instructions, the limit is \(options.maxInstructions)")
        }
        if let error = decoded.decodeError { throw malformed(error, decoded) }
        try checkTargets(decoded)
        try checkReferences(decoded, helpers: helpers, options: options)
        try checkControlFlow(decoded, loops: options.loops)
    }

    /// A slot the decoder rejects, reported as the kernel reports it.
    private static func malformed(_ error: DecodeError, _ program: DecodedProgram) -> VerifierError {
        let message: String
        switch error {
        case .unknownOpcode(let index, _):
            message = "unknown opcode \(program.instructions[index].opcodeText)"
        case .reservedField(let index, _, _, _):
            message = "\(program.instructions[index].className) uses reserved fields"
        case .invalidRegister(_, _, let register):
            message = "R\(register) is invalid"
        case .missingWideSecondHalf, .malformedWideSecondHalf, .truncated:
            message = "invalid bpf_ld_imm64 insn"
        }
        return VerifierError(kind: .malformed, index: error.index, message: message)
    }

    /// Local calls land on an instruction; every function (the entry and each call target, the
    /// graph's subprograms) ends in `exit` or `ja`; jumps stay inside their function and do not
    /// land in the middle of an `lddw`.
    private static func checkTargets(_ program: DecodedProgram) throws(VerifierError) {
        let count = program.count
        for index in 0..<count {
            if case .callLocal(let target) = program[index], !program.isValidTarget(target) {
                throw VerifierError(kind: .structure, index: index, message: "call to invalid destination (insn \(target))")
            }
        }
        let graph = program.controlFlow
        let starts = graph.subprogramStarts
        for function in starts.indices {
            let end = function + 1 < starts.count ? starts[function + 1] : count
            var last = end - 1
            if program.slots[last] == .wideSecondHalf { last -= 1 }
            switch program[last] {
            case .exit, .jump: continue
            default: throw VerifierError(kind: .structure, index: last, message: "last insn is not an exit or jmp")
            }
        }
        for index in 0..<count {
            let target: Int
            switch program[index] {
            case .jump(let jumpTarget), .conditionalJump(_, _, _, _, let jumpTarget): target = jumpTarget
            default: continue
            }
            guard target >= 0, target < count, graph.subprogramOfSlot[target] == graph.subprogramOfSlot[index] else {
                throw VerifierError(kind: .structure, index: index, message: "jump out of range from insn \(index) to \(target)")
            }
            guard program.slots[target] != .wideSecondHalf else {
                throw VerifierError(kind: .structure, index: index, message: "jump into the middle of ldimm64 insn \(target - 1)")
            }
        }
    }

    /// Helpers and maps named by the program must exist; GPL-only helpers need a GPL licence.
    private static func checkReferences(
        _ program: DecodedProgram, helpers: HelperRegistry, options: VerifierOptions
    ) throws(VerifierError) {
        for index in 0..<program.count {
            switch program[index] {
            case .callHelper(let id):
                guard let helper = helpers[id] else {
                    throw VerifierError(kind: .environment, index: index, message: "invalid func unknown#\(id)")
                }
                if helper.gplOnly && !options.hasGPLCompatibleLicense {
                    throw VerifierError(
                        kind: .environment, index: index,
                        message: "cannot call GPL-restricted function from non-GPL compatible program")
                }
            case .loadImmediate64(_, let kind, let value):
                switch kind {
                case .constant:
                    break
                case .mapByFD, .mapByIndex, .mapValueByFD, .mapValueByIndex:
                    let handle = Int32(truncatingIfNeeded: value)
                    guard let map = options.maps[handle] else {
                        throw VerifierError(
                            kind: .environment, index: index, message: "fd \(handle) is not pointing to valid bpf_map")
                    }
                    if kind == .mapValueByFD || kind == .mapValueByIndex {
                        let offset = Int64(value >> 32)
                        guard offset < map.valueSize else {
                            throw VerifierError(
                                kind: .environment, index: index,
                                message: "invalid access to map value pointer, value_size=\(map.valueSize) off=\(offset)")
                        }
                    }
                case .codeAddress:
                    let target = program.functionAddressTarget(at: index)!
                    guard program.staticTraps[index] == nil else {
                        throw VerifierError(
                            kind: .structure, index: index,
                            message: "invalid function address: insn \(target) is not an instruction, or the high half is not 0")
                    }
                    guard target != 0 else {
                        throw VerifierError(
                            kind: .structure, index: index, message: "function address of insn 0: the entry function cannot be a callback")
                    }
                case .variableAddress:
                    throw VerifierError(
                        kind: .unsupported, index: index, message: "unsupported lddw src=\(kind.rawValue) (\(kind))")
                }
            default:
                break
            }
        }
    }

    /// From the graph's depth-first search through local calls: back-edges are an error under
    /// the strict loop policy (the first one the search finds is reported), and every
    /// instruction must be reachable.
    private static func checkControlFlow(_ program: DecodedProgram, loops: VerifierOptions.LoopPolicy) throws(VerifierError) {
        let graph = program.controlFlow
        if loops == .strict, let edge = graph.backEdges.first {
            throw VerifierError(kind: .structure, index: edge.from, message: "back-edge from insn \(edge.from) to \(edge.to)")
        }
        for index in 0..<program.count where program.slots[index] != .wideSecondHalf && !graph.isReachable[index] {
            throw VerifierError(kind: .structure, index: index, message: "unreachable insn \(index)")
        }
    }
}
