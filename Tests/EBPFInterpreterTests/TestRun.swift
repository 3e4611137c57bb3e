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
func load(_ register: String, _ value: UInt64) -> String {
    "lddw \(register), 0x\(String(value, radix: 16))"
}
