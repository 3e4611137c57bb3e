import EBPFCore

/// Wraps a runner and changes its observable behaviour on purpose, to check that the harness
/// notices and reports exactly what changed.
struct FaultInjectingRunner: ProgramRunner {
    enum Fault {
        /// R0 with this bit flipped.
        case flipResultBit(Int)
        /// The input memory byte at this offset with its lowest bit flipped after the run.
        case flipMemoryByte(Int)
        /// The stack byte at this offset (from the bottom of the area) with its lowest bit flipped.
        case flipStackByte(Int)
        /// This trap instead of returning.
        case trap(ExecutionTrap)
        /// A trap at the next pc instead of the real one (other fields unchanged).
        case shiftTrapPC
        /// R0 with bit 0 flipped when the program contains an instruction with this opcode.
        case flipResultIfProgramContains(opcode: UInt8, program: Program)
    }

    let inner: any ProgramRunner
    let fault: Fault

    func run(memory: UnsafeMutableRawBufferPointer, stack: UnsafeMutableRawBufferPointer?) throws(ExecutionTrap) -> UInt64 {
        let result: UInt64
        do throws(ExecutionTrap) {
            result = try inner.run(memory: memory, stack: stack)
        } catch {
            guard case .shiftTrapPC = fault else { throw error }
            switch error {
            case .outOfBounds(let pc, let address, let size, let isWrite):
                throw .outOfBounds(pc: pc + 1, address: address, size: size, isWrite: isWrite)
            case .budgetExhausted(let pc, let executed): throw .budgetExhausted(pc: pc + 1, executed: executed)
            case .callDepthExceeded(let pc, let depth): throw .callDepthExceeded(pc: pc + 1, depth: depth)
            case .unknownHelper(let pc, let id): throw .unknownHelper(pc: pc + 1, id: id)
            case .invalidInstruction(let pc, let reason): throw .invalidInstruction(pc: pc + 1, reason: reason)
            }
        }
        switch fault {
        case .flipResultBit(let bit): return result ^ (1 << UInt64(bit))
        case .flipMemoryByte(let offset):
            memory[offset] ^= 1
            return result
        case .flipStackByte(let offset):
            stack![offset] ^= 1
            return result
        case .trap(let trap): throw trap
        case .shiftTrapPC: return result
        case .flipResultIfProgramContains(let opcode, let program):
            return program.instructions.contains { $0.opcode == opcode } ? result ^ 1 : result
        }
    }
}
