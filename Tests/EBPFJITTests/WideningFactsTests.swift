import EBPF
import EBPFTestSupport
import Foundation
import Testing

/// The JIT given facts proven under the widening loop policy (accesses proven for every
/// iteration, so their bounds checks are gone; termination proven by a counter for most, so
/// their budget counting goes too) returns what the interpreter returns, on the benchmark
/// programs that need widening and on random inputs.
@Suite struct WideningFactsTests {
    static let programsDirectory = RepositoryLayout.url("Benchmarks/programs")

    /// Benchmarks the bounded policy rejects or needs 100,000s of steps for (sum64 and sort
    /// need the pointer–counter relations).
    static let benchmarks = ["alu_loop", "branches", "fnv1a", "muldiv", "sum64", "sort"]

    @Test(arguments: benchmarks)
    func jitWithWideningFactsMatchesTheInterpreter(name: String) throws {
        let bytes = try [UInt8](Data(contentsOf: Self.programsDirectory.appendingPathComponent(name + ".bin")))
        let input = try [UInt8](Data(contentsOf: Self.programsDirectory.appendingPathComponent(name + ".mem")))
        let program = try Program(decoding: bytes)
        let verifier = Verifier(helpers: .conformance, options: VerifierOptions(loops: .widening, contextSize: input.count))
        let result = try verifier.verify(program)
        // Every loop steps a counter (or a pointer) towards a bound: no budget counting either.
        #expect(result.facts.terminates)
        let accesses = program.instructions.indices.filter { [.ldx, .st, .stx].contains(program.instructions[$0].instructionClass) }
        #expect(accesses.allSatisfy { result.facts.accessIsSafe[$0] }, "some access of \(name) is not proven")
        let limits = ExecutionLimits(instructionBudget: 50_000_000)
        let jit = try JIT.compile(program, helpers: .conformance, limits: limits, facts: result.facts)
        let interpreter = Interpreter(program: program, helpers: .conformance, limits: limits)
        var generator = SystemRandomNumberGenerator()
        let inputs = [input, [UInt8](repeating: 0xff, count: input.count),
                      (0..<input.count).map { _ in UInt8.random(in: 0...255, using: &generator) }]
        for memory in inputs {
            var a = memory
            var b = memory
            let expected = Result { () throws(ExecutionTrap) in try interpreter.run(&a) }
            let actual = Result { () throws(ExecutionTrap) in try jit.run(&b) }
            #expect(actual == expected, "\(name)")
            #expect(a == b)
        }
    }
}
