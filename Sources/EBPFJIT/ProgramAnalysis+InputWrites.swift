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
        func insideFrame(base: UInt8, offset: Int16, size: MemorySize) -> Bool {
            base == 10 && Int(offset) >= -ExecutionLimits.stackFrameSize && Int(offset) + size.byteCount <= 0
        }
        // A call writes only R0–R5 in the caller; anything else that writes R10 makes the frame
        // checks below meaningless.
        if registersWritten.contains(register: 10) { return true }
        for slot in slots {
            // Trap slots write nothing; a conditional trap only compares.
            guard case .operation(let operation) = slot else { continue }
            switch operation {
            case .store(let size, let base, let offset, _), .atomic(_, let size, let base, let offset, _):
                if !insideFrame(base: base, offset: offset, size: size) { return true }
            case .callHelper(let id):
                if let helper = helpers[id], takesPointers(helper) { return true }
            case .callRegister:
                if helpers.all.contains(where: takesPointers) { return true }
            default:
                break
            }
        }
        return false
    }
}
