import EBPF
import Testing

/// The Swift example in README.md, kept compiling and correct.
@Suite struct ReadmeExampleTests {
    @Test func readmeExample() throws {
        let program = try Assembler.assemble("""
            ldxb %r0, [%r1+2]
            exit
            """)
        let verified = try Verifier(options: VerifierOptions(contextSize: 4)).verify(program)
        let filter = try JIT.compile(program, facts: verified.facts)
        var packet: [UInt8] = [0x45, 0x00, 0x2a, 0x00]
        let r0 = try filter.run(&packet)
        #expect(r0 == 0x2a)
        #expect(verified.facts.accessIsSafe[0])
        #expect(try Interpreter(program: program).run(&packet) == r0)
    }

    @Test func pipelineRefusesWhatTheVerifierRejects() throws {
        let program = try Assembler.assemble("ldxb %r0, [%r1+4]\nexit")
        #expect(throws: PipelineError.self) {
            _ = try ExecutionPipeline.prepare(program, memorySize: 4, configuration: ExecutionConfiguration(engine: .jit))
        }
        // Unverified, the same program runs with run-time checks and traps instead of reading past the end.
        var memory: [UInt8] = [1, 2, 3, 4]
        for engine in Engine.allCases {
            let runner = try ExecutionPipeline.prepare(
                program, memorySize: 4, configuration: ExecutionConfiguration(engine: engine, verify: false))
            #expect(throws: ExecutionTrap.self) { _ = try runner.run(&memory) }
        }
    }
}
