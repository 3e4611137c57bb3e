import EBPF
import FuzzSupport

runLibFuzzer(fuzzEngines)

/// Interpreter against JIT on arbitrary instruction words (`Program(unchecked:)`, so malformed
/// slots too): the first byte sets the input size, then that many input bytes, then the program.
/// Any difference in result, trap, memory or stack stops the fuzzer. Programs the verifier accepts
/// (for that input size) are also compiled with its facts — checks elided — and must still agree
/// and must not trap.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzEngines(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    guard size >= 1 else { return 0 }
    let memorySize = min(Int(data[0]) % 65, size - 1)
    let input = Array(UnsafeBufferPointer(start: data + 1, count: memorySize))
    let codeBytes = UnsafeRawBufferPointer(start: data + 1 + memorySize, count: (size - 1 - memorySize) / 8 * 8)
    let words = stride(from: 0, to: codeBytes.count, by: 8).map { offset in
        Instruction(rawValue: codeBytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    guard !words.isEmpty, words.count <= 512 else { return 0 }
    let program = Program(unchecked: words)
    let limits = ExecutionLimits(instructionBudget: 2_000)
    let helpers = HelperRegistry([
        HelperFunction(
            id: 5, name: "identity", signature: HelperSignature(arguments: [.scalar], returns: .scalar),
            body: { a, _, _, _, _ in a }),
    ])
    let reference = run(Interpreter(program: program, helpers: helpers, limits: limits), input)
    guard let compiled = try? JIT.compile(program, helpers: helpers, limits: limits) else {
        fatalError("the JIT refused a program the interpreter runs")
    }
    let candidate = run(compiled, input)
    if reference != candidate {
        fatalError("interpreter \(reference) != jit \(candidate) for \(words.map { String($0.rawValue, radix: 16) })")
    }
    let verifier = Verifier(helpers: helpers, options: VerifierOptions(processedInstructionBudget: 20_000, contextSize: memorySize))
    guard let facts = try? verifier.verify(program).facts else { return 0 }
    // A verified program terminates, and with facts the JIT does not count instructions: compare
    // under a budget no verified program reaches (the verifier explored at most 20,000 steps).
    let generous = ExecutionLimits(instructionBudget: 100_000_000)
    guard let optimized = try? JIT.compile(program, helpers: helpers, limits: generous, facts: facts) else {
        fatalError("the JIT refused a verified program")
    }
    let verifiedReference = run(Interpreter(program: program, helpers: helpers, limits: generous), input)
    let withFacts = run(optimized, input)
    if withFacts != verifiedReference || verifiedReference.trap != nil {
        fatalError("verified program: interpreter \(verifiedReference) vs jit with facts \(withFacts) for \(words.map { String($0.rawValue, radix: 16) })")
    }
    return 0
}

struct Observation: Equatable {
    var result: UInt64?
    var trap: String?
    var memory: [UInt8]
    var stack: [UInt8]
}

/// One run over a copy of `input` and a zeroed stack area at fixed addresses (so trap addresses
/// compare equal across engines).
func run(_ runner: some ProgramRunner, _ input: [UInt8]) -> Observation {
    Buffers.memory.initializeMemory(as: UInt8.self, repeating: 0)
    Buffers.stack.initializeMemory(as: UInt8.self, repeating: 0)
    let memory = UnsafeMutableRawBufferPointer(rebasing: Buffers.memory[0..<input.count])
    if !input.isEmpty { memory.copyBytes(from: input) }
    var observation = Observation(result: nil, trap: nil, memory: [], stack: [])
    do throws(ExecutionTrap) {
        observation.result = try runner.run(memory: input.isEmpty ? UnsafeMutableRawBufferPointer(start: nil, count: 0) : memory, stack: Buffers.stack)
    } catch {
        observation.trap = String(describing: error)
    }
    observation.memory = Array(memory)
    observation.stack = Array(Buffers.stack)
    return observation
}

enum Buffers {
    nonisolated(unsafe) static let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 16)
    nonisolated(unsafe) static let stack = UnsafeMutableRawBufferPointer.allocate(byteCount: ExecutionLimits.stackSize, alignment: 16)
}
