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

    /// The hot-loop entries of the README: a buffer, read-only memory, a batch.
    @Test func readmeHotLoops() throws {
        let program = try Assembler.assemble("""
            jlt %r2, 3, +2
            ldxb %r0, [%r1+2]
            exit
            mov %r0, 0
            exit
            """)
        let facts = try Verifier().verify(program).facts
        let filter = try JIT.compile(program, facts: facts)
        var packet: [UInt8] = [0x45, 0x00, 0x2a, 0x00]
        #expect(try packet.withUnsafeMutableBytes { try filter.run($0) } == 0x2a)
        let frame: [UInt8] = [1, 2, 3]
        #expect(!filter.mayWriteInput)
        #expect(try frame.withUnsafeBytes { try filter.run(reading: $0) } == 3)
        #expect(try filter.run(reading: frame.span.bytes) == 3)
        #expect(try filter.run(reading: frame.span.bytes.extracting(0..<2)) == 0)  // too short: the length check fails
        let batch = try JIT.compile(program, facts: facts, options: JITOptions(inlinedBatchBody: true))
        var buffer: [UInt8] = [9, 9, 7, 0, 0, 0, 0, 5]
        var results = [UInt64](repeating: 0, count: 3)
        try buffer.withUnsafeMutableBytes { all in
            let base = UInt64(UInt(bitPattern: all.baseAddress))
            let regions = [MemoryRegion(start: base, count: 3), MemoryRegion(start: base + 3, count: 2), MemoryRegion(start: base + 5, count: 3)]
            try regions.withUnsafeBufferPointer { regions in
                try results.withUnsafeMutableBufferPointer { results in try batch.run(each: regions, results: results) }
            }
        }
        #expect(results == [7, 0, 5])
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
