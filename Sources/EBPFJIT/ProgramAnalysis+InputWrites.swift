import EBPFCore

extension ProgramAnalysis {
    /// Whether the code may write memory other than its stack area, checked on the instructions
    /// alone (no facts needed): `false` only when every store and atomic is at a constant offset
    /// inside R10's current 512-byte frame, no instruction can change R10 (local calls move it
    /// by whole frames inside the area), and every helper the code may call takes no pointer
    /// (only scalar and size arguments). ``CompiledProgram/run(reading:)`` relies on it.
    func mayWriteOutsideStack(helpers: HelperRegistry) -> Bool {
        func takesPointers(_ helper: HelperFunction) -> Bool {
            !helper.signature.arguments.allSatisfy { $0 == .scalar || $0 == .memorySize }
        }
        for pc in 0..<slots.count {
            guard let shape = shapes[pc] else { continue }  // trap slots write nothing
            let instruction = instructions[pc]
            switch shape {
            case .storeRegister, .storeImmediate:
                let size = MemorySize(rawValue: instruction.opcode & 0x18)!.byteCount
                let offset = Int(instruction.offset)
                if instruction.dst != 10 || offset < -ExecutionLimits.stackFrameSize || offset + size > 0 { return true }
                // Atomics with a fetch write their source register (cmpxchg writes R0).
                if instruction.opcode & 0xe0 == MemoryMode.atomic.rawValue && instruction.src == 10 { return true }
            case .dstImmediate, .dstSource, .dstOnly, .dstWideImmediate, .loadFromMemory:
                if instruction.dst == 10 { return true }
            case .helperCall:
                if let helper = helpers[instruction.immediate], takesPointers(helper) { return true }
            case .registerCall:
                if helpers.all.contains(where: takesPointers) { return true }
            default:
                break
            }
        }
        return false
    }
}
