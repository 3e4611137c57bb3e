import EBPFAssembler
import EBPFCore
import EBPFInterpreter
import Testing

/// What one run ended with: R0, or the trap.
typealias RunOutcome = Result<UInt64, ExecutionTrap>

/// Assembles `source` and runs it over a copy of `memory`.
func run(
    _ source: String, memory: [UInt8] = [], helpers: HelperRegistry = HelperRegistry(),
    limits: ExecutionLimits = ExecutionLimits()
) throws -> RunOutcome {
    var bytes = memory
    return try run(Assembler.assemble(source), memory: &bytes, helpers: helpers, limits: limits)
}

/// Runs `program` over `memory`, which the program may modify.
func run(
    _ program: Program, memory: inout [UInt8], helpers: HelperRegistry = HelperRegistry(),
    limits: ExecutionLimits = ExecutionLimits()
) -> RunOutcome {
    let interpreter = Interpreter(program: program, helpers: helpers, limits: limits)
    do throws(ExecutionTrap) {
        return .success(try interpreter.run(&memory))
    } catch {
        return .failure(error)
    }
}

/// Assembles and runs `source`, requiring it to finish, and returns R0.
func result(_ source: String, memory: [UInt8] = [], helpers: HelperRegistry = HelperRegistry()) throws -> UInt64 {
    try run(source, memory: memory, helpers: helpers).get()
}

/// Little-endian bytes of `value`, for building input memory.
func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
}

/// An `lddw` line loading `value` into `register`, for tests that need full 64-bit operands.
func lddw(_ register: String, _ value: UInt64) -> String {
    "lddw \(register), 0x\(String(value, radix: 16))"
}

/// A run over buffers the test allocated, so that trap addresses can be checked against the real
/// memory and stack addresses.
struct RecordedRun {
    var outcome: RunOutcome
    /// Instructions executed, when the run finished.
    var executed: UInt64?
    /// The address R1 pointed at (0 for empty memory).
    var memoryBase: UInt64
    /// The lowest address of the stack area; R10 started at `stackBase + 4096`.
    var stackBase: UInt64
    /// The input memory and the stack area after the run.
    var memory: [UInt8]
    var stack: [UInt8]

    var stackTop: UInt64 { stackBase + UInt64(ExecutionLimits.stackSize) }
}

/// Assembles `source` and runs it over fresh copies of `memory` and `stack` (default: zeros).
func record(
    _ source: String, memory: [UInt8] = [], stack: [UInt8]? = nil, helpers: HelperRegistry = HelperRegistry(),
    limits: ExecutionLimits = ExecutionLimits()
) throws -> RecordedRun {
    try record(Assembler.assemble(source), memory: memory, stack: stack, helpers: helpers, limits: limits)
}

func record(
    _ program: Program, memory: [UInt8] = [], stack: [UInt8]? = nil, helpers: HelperRegistry = HelperRegistry(),
    limits: ExecutionLimits = ExecutionLimits()
) -> RecordedRun {
    let interpreter = Interpreter(program: program, helpers: helpers, limits: limits)
    let memoryBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(memory.count, 1), alignment: 16)
    let stackBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ExecutionLimits.stackSize, alignment: 16)
    defer {
        memoryBuffer.deallocate()
        stackBuffer.deallocate()
    }
    memoryBuffer.copyBytes(from: memory)
    stackBuffer.copyBytes(from: stack ?? [UInt8](repeating: 0, count: ExecutionLimits.stackSize))
    let visibleMemory = memory.isEmpty
        ? UnsafeMutableRawBufferPointer(start: nil, count: 0)
        : UnsafeMutableRawBufferPointer(rebasing: memoryBuffer[0..<memory.count])
    var run = RecordedRun(
        outcome: .success(0), executed: nil,
        memoryBase: UInt64(UInt(bitPattern: visibleMemory.baseAddress)),
        stackBase: UInt64(UInt(bitPattern: stackBuffer.baseAddress)), memory: [], stack: [])
    do throws(ExecutionTrap) {
        let (result, executed) = try interpreter.runReportingCount(memory: visibleMemory, stack: stackBuffer)
        run.outcome = .success(result)
        run.executed = executed
    } catch {
        run.outcome = .failure(error)
    }
    run.memory = Array(visibleMemory)
    run.stack = Array(stackBuffer)
    return run
}

extension Program {
    /// A copy with the `lddw` at `slot` loading `value` instead, so a test can assemble a template
    /// once and run it over many operands.
    func settingWideImmediate(at slot: Int, to value: UInt64) -> Program {
        var slots = instructions
        slots[slot].immediate = Int32(truncatingIfNeeded: value)
        slots[slot + 1].immediate = Int32(truncatingIfNeeded: value >> 32)
        return Program(unchecked: slots)
    }

    /// A copy with the immediate of the instruction at `slot` replaced.
    func settingImmediate(at slot: Int, to value: Int32) -> Program {
        var slots = instructions
        slots[slot].immediate = value
        return Program(unchecked: slots)
    }
}

/// Runs `program` with no input memory, requiring it to finish, and returns R0.
func result(_ program: Program) throws -> UInt64 {
    var memory: [UInt8] = []
    return try run(program, memory: &memory).get()
}
