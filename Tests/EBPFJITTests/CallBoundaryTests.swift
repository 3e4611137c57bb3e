import Dispatch
import Synchronization
import Testing
import EBPF
import EBPFTestSupport

/// The ways into compiled code: the single entry (through every public form), the batch entry
/// (calling the single entry per input, or with its own copy of the body), the read-only entry,
/// and what each run gets (its own stack area, zero-filled unless proven unneeded; R1 = 0 for an
/// empty input; traps reported per thread). Every result is the interpreter's.
@Suite struct CallBoundaryTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let source: String
        /// Whether the verifier accepts it (checked), so it also runs with facts.
        var verifies = false
        /// What ``EBPFJIT/CompiledProgram/mayWriteInput`` must say, for the cases about it.
        var mayWriteInput: Bool?
        var testDescription: String { name }
    }

    /// The outcome of one run.
    static func outcome(_ run: () throws(ExecutionTrap) -> UInt64) -> Result<UInt64, ExecutionTrap> {
        do throws(ExecutionTrap) { return .success(try run()) } catch { return .failure(error) }
    }

    /// Runs `compiled` over `regions` through the batch entry, writing `results`; the trap that
    /// stopped it, if any.
    static func runBatch(_ compiled: CompiledProgram, _ regions: [MemoryRegion], results: inout [UInt64]) -> BatchTrap? {
        regions.withUnsafeBufferPointer { regions in
            results.withUnsafeMutableBufferPointer { results in
                do throws(BatchTrap) { try compiled.run(each: regions, results: results); return nil } catch { return error }
            }
        }
    }

    static let cases: [Case] = [
        Case(name: "constant", source: "mov %r0, 1\nexit", verifies: true),
        Case(name: "stack round trip", source: "stxdw [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit", verifies: true),
        Case(name: "input read after a length check",
             source: "jlt %r2, 4, +2\nldxw %r0, [%r1]\nexit\nmov %r0, 7\nexit", verifies: true),
        Case(name: "R1 is 0 for an empty input", source: "jne %r1, 0, +2\nmov %r0, %r2\nexit\nmov %r0, 1\nexit"),
        Case(name: "unchecked input read traps on short input", source: "ldxw %r0, [%r1+4]\nexit"),
        Case(name: "uninitialised stack reads 0", source: "ldxdw %r0, [%r10-16]\nadd %r0, %r2\nexit"),
        Case(name: "legacy loads through R1 and R2", source: "ldabsh 2\nmov %r7, %r0\nldabsb 5\nadd %r0, %r7\nexit", verifies: true),
        Case(name: "indirect legacy load", source: "mov %r7, 1\nldindb %r7, 3\nexit", verifies: true),
        Case(name: "R1 read beside legacy loads", source: "jne %r1, 0, +2\nmov %r0, 7\nexit\nldabsb 0\nexit"),
        Case(name: "legacy load after R1 is overwritten", source: "mov %r1, 0\nldabsb 6\nexit", verifies: true),
        Case(name: "local call using the stack",
             source: "stxdw [%r10-8], %r2\ncall local fn\nldxdw %r1, [%r10-8]\nadd %r0, %r1\nexit\nfn: mov %r0, 5\nstxdw [%r10-8], %r0\nexit",
             verifies: true),
        Case(name: "budget trap in a loop", source: "mov %r0, 0\nadd %r0, 1\nja -2"),
    ]

    /// Inputs of several lengths, empty included, in one buffer.
    static let inputLengths = [8, 0, 3, 16, 7, 64, 1]

    static func program(_ testCase: Case) throws -> Program {
        try Assembler.assemble(testCase.source)
    }

    /// The interpreter's outcome for each input (a fresh copy of the input, its own stack).
    static func expected(_ program: Program, inputs: [[UInt8]], limits: ExecutionLimits) -> [Result<UInt64, ExecutionTrap>] {
        let interpreter = Interpreter(program: program, limits: limits)
        return inputs.map { input in
            var bytes = input
            return outcome { () throws(ExecutionTrap) in try interpreter.run(&bytes) }
        }
    }

    static func inputs() -> [[UInt8]] {
        inputLengths.enumerated().map { index, length in (0..<length).map { UInt8(truncatingIfNeeded: 3 * $0 + index + 1) } }
    }

    /// What the entry tests of a case share: the inputs, the interpreter's outcome for each and
    /// every compiled form, under a budget of 500 instructions.
    static func runs(of testCase: Case) throws
        -> (inputs: [[UInt8]], expected: [Result<UInt64, ExecutionTrap>], compilations: [(String, CompiledProgram)]) {
        let limits = ExecutionLimits(instructionBudget: 500)
        let inputs = Self.inputs()
        let expected = Self.expected(try Self.program(testCase), inputs: inputs, limits: limits)
        return (inputs, expected, try Self.compilations(testCase, limits: limits))
    }

    /// Every compiled form a case runs under: facts or not, a batch with or without its own body,
    /// and a rotated register map.
    static func compilations(_ testCase: Case, limits: ExecutionLimits) throws -> [(String, CompiledProgram)] {
        let program = try Self.program(testCase)
        let facts = testCase.verifies ? try Verifier().verify(program).facts : nil
        var compiled: [(String, CompiledProgram)] = []
        for inlined in [false, true] {
            for map in [RegisterMap.default, .rotated(by: 7)] {
                let options = JITOptions(registerMap: map, inlinedBatchBody: inlined)
                compiled.append(("unverified, inlined \(inlined), \(map)", try JIT.compile(program, limits: limits, options: options)))
                if let facts {
                    compiled.append(("verified, inlined \(inlined), \(map)", try JIT.compile(program, limits: limits, facts: facts, options: options)))
                }
            }
        }
        return compiled
    }

    @Test(arguments: cases)
    func singleEntriesAgreeWithTheInterpreter(_ testCase: Case) throws {
        let (inputs, expected, compilations) = try Self.runs(of: testCase)
        for (name, compiled) in compilations {
            for (input, want) in zip(inputs, expected) {
                var bytes = input
                var copy = input
                // Every single entry, named; the trap addresses of input accesses differ between
                // buffers, so `same` compares kinds and pcs then.
                var entries: [(String, Result<UInt64, ExecutionTrap>)] = [
                    ("run(&bytes)", Self.outcome { () throws(ExecutionTrap) in try compiled.run(&bytes) }),
                    ("run(buffer)", copy.withUnsafeMutableBytes { buffer in Self.outcome { () throws(ExecutionTrap) in try compiled.run(buffer) } }),
                    ("run(memory:stack: nil)", copy.withUnsafeMutableBytes { buffer in
                        Self.outcome { () throws(ExecutionTrap) in try compiled.run(memory: buffer, stack: nil) }
                    }),
                ]
                if !compiled.mayWriteInput {
                    entries.append(("run(reading: buffer)", input.withUnsafeBytes { buffer in
                        Self.outcome { () throws(ExecutionTrap) in try compiled.run(reading: buffer) }
                    }))
                    let span = input.span.bytes
                    entries.append(("run(reading: RawSpan)", Self.outcome { () throws(ExecutionTrap) in try compiled.run(reading: span) }))
                }
                for (entry, result) in entries {
                    #expect(Self.same(result, want), "\(name), \(input.count) bytes, \(entry)")
                }
            }
        }
    }

    @Test(arguments: cases)
    func batchesAgreeWithTheInterpreter(_ testCase: Case) throws {
        let (inputs, expected, compilations) = try Self.runs(of: testCase)
        let firstTrap = expected.firstIndex { if case .failure = $0 { true } else { false } }
        for (name, compiled) in compilations {
            var buffer = inputs.flatMap { $0 }
            var results = [UInt64](repeating: 0xdead, count: inputs.count)
            let outcome: BatchTrap? = buffer.withUnsafeMutableBytes { all in
                var offset = 0
                let regions = inputs.map { input in
                    defer { offset += input.count }
                    return input.isEmpty ? MemoryRegion(start: 0, count: 0)
                        : MemoryRegion(start: UInt64(UInt(bitPattern: all.baseAddress! + offset)), count: UInt64(input.count))
                }
                return Self.runBatch(compiled, regions, results: &results)
            }
            if let firstTrap {
                #expect(outcome?.index == firstTrap, "\(name): the batch stops at the first trap")
                if let outcome { #expect(Self.same(.failure(outcome.trap), expected[firstTrap]), "\(name): its trap") }
            } else {
                #expect(outcome == nil, "\(name): \(String(describing: outcome))")
            }
            for index in 0..<(firstTrap ?? inputs.count) {
                #expect(Self.same(.success(results[index]), expected[index]), "\(name): input \(index)")
            }
        }
    }

    /// The buffer form of the batch converts in chunks: indexes past the first chunk still name the
    /// right input.
    @Test func bufferBatchesReportTheTrappingInputPastTheFirstChunk() throws {
        let compiled = try JIT.compile(try Assembler.assemble("ldxb %r0, [%r1+1]\nexit"))
        var storage = [UInt8](repeating: 9, count: 2 * 200)
        var results = [UInt64](repeating: 0, count: 200)
        let trap: BatchTrap? = storage.withUnsafeMutableBytes { all in
            var buffers = (0..<200).map { UnsafeMutableRawBufferPointer(rebasing: all[(2 * $0)..<(2 * $0 + 2)]) }
            buffers[150] = UnsafeMutableRawBufferPointer(rebasing: all[0..<1])  // too short
            return buffers.withUnsafeBufferPointer { buffers in
                results.withUnsafeMutableBufferPointer { results in
                    do throws(BatchTrap) { try compiled.run(each: buffers, results: results); return nil } catch { return error }
                }
            }
        }
        #expect(trap?.index == 150)
        #expect(results[0..<150].allSatisfy { $0 == 9 })
    }

    /// Each run of a batch gets a stack area as a single run would: zero-filled for code the
    /// verifier did not see, so nothing one run leaves there reaches the next.
    @Test(arguments: [false, true])
    func everyRunOfABatchStartsWithAZeroedStack(inlined: Bool) throws {
        // Returns what was in its slot, then leaves R2 + 1 there.
        let program = try Assembler.assemble("ldxdw %r0, [%r10-8]\nadd %r2, 1\nstxdw [%r10-8], %r2\nexit")
        let compiled = try JIT.compile(program, options: JITOptions(inlinedBatchBody: inlined))
        var bytes = [UInt8](repeating: 0, count: 16)
        var results = [UInt64](repeating: 7, count: 5)
        let trap = bytes.withUnsafeMutableBytes { all in
            let base = UInt64(UInt(bitPattern: all.baseAddress))
            return Self.runBatch(compiled, (0..<5).map { MemoryRegion(start: base, count: UInt64($0 + 1)) }, results: &results)
        }
        #expect(trap == nil)
        #expect(results == [0, 0, 0, 0, 0])
    }

    /// The verifier proves every stack byte is written before it is read, which lets the engines
    /// skip zero-filling; facts made by hand do not claim it.
    @Test func verifiedFactsSayTheStackIsWrittenBeforeRead() throws {
        let facts = try Verifier().verify(try Assembler.assemble("stxdw [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit")).facts
        #expect(facts.stackIsWrittenBeforeRead)
        #expect(!VerifiedFacts(accessIsSafe: [], divisorIsNonZero: [], stackDepth: 0, maxCallDepth: 1, terminates: true)
            .stackIsWrittenBeforeRead)
        #expect(throws: VerifierError.self) { try Verifier().verify(try Assembler.assemble("ldxdw %r0, [%r10-8]\nexit")) }
    }

    static let writeCases: [Case] = [
        Case(name: "no store", source: "ldxb %r0, [%r1]\nexit", mayWriteInput: false),
        Case(name: "stores in R10's frame", source: "stxdw [%r10-8], %r1\nstb [%r10-512], 1\nexit", mayWriteInput: false),
        Case(name: "store through R1", source: "stb [%r1], 1\nexit", mayWriteInput: true),
        Case(name: "store above R10", source: "stxdw [%r10], %r1\nexit", mayWriteInput: true),
        Case(name: "store below R10's frame", source: "stxb [%r10-513], %r1\nexit", mayWriteInput: true),
        Case(name: "R10 moved", source: "add %r10, 64\nstxdw [%r10-8], %r1\nexit", mayWriteInput: true),
        Case(name: "atomic fetch into R10", source: "lock fetch add [%r10-8], %r10\nexit", mayWriteInput: true),
        Case(name: "helper with a pointer argument", source: "call 1\nexit", mayWriteInput: true),
        Case(name: "helper with scalar arguments only", source: "call 5\nexit", mayWriteInput: false),
    ]

    @Test(arguments: writeCases)
    func readOnlyEntryNeedsCodeThatCannotWriteItsInput(_ testCase: Case) throws {
        let compiled = try JIT.compile(try Assembler.assemble(testCase.source), helpers: .kernel)
        #expect(compiled.mayWriteInput == testCase.mayWriteInput)
    }

    /// Traps are handed over per thread: concurrent runs that trap at different addresses each
    /// get their own, and runs between them are unaffected.
    @Test func trapsFromManyThreadsStayApart() throws {
        let compiled = try JIT.compile(try Assembler.assemble("ldxb %r0, [%r1+8]\nexit"))
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 32) { index in
            var short = [UInt8](repeating: 1, count: 1 + index % 7)
            var long = [UInt8](repeating: UInt8(index), count: 9)
            for _ in 0..<200 {
                let base = short.withUnsafeBytes { UInt64(UInt(bitPattern: $0.baseAddress)) }
                do throws(ExecutionTrap) {
                    _ = try compiled.run(&short)
                    failures.withLock { $0 += 1 }
                } catch {
                    if error != .outOfBounds(pc: 0, address: base + 8, size: 1, isWrite: false) { failures.withLock { $0 += 1 } }
                }
                if (try? compiled.run(&long)) != UInt64(index) { failures.withLock { $0 += 1 } }
            }
        }
        #expect(failures.withLock { $0 } == 0)
    }

    /// Generated programs (safe and hazardous: traps, budget, helpers, local calls) through the
    /// batch entry, both kinds, over several variants of their input: the interpreter's result
    /// for every input before the first trap, and that trap.
    @Test(arguments: [false, true])
    func generatedProgramsAgreeThroughBatches(hazards: Bool) throws {
        let generator = RandomProgramGenerator(options: hazards ? .unsafe : .default)
        let limits = ExecutionLimits(instructionBudget: 5_000)
        var mismatches: [String] = []
        var batchesTrapped = 0
        for seed in UInt64(0)..<40 {
            let generated = generator.generate(seed: 7_000 + seed)
            let inputs = (0..<6).map { variant in generated.memory.map { $0 &+ UInt8(variant) } }
            let interpreter = Interpreter(program: generated.program, helpers: TestHelpers.registry, limits: limits)
            for inlined in [false, true] {
                let compiled = try JIT.compile(
                    generated.program, helpers: TestHelpers.registry, limits: limits, options: JITOptions(inlinedBatchBody: inlined))
                // Both engines run over the same buffers, so trap addresses compare equal.
                var expectedBuffer = inputs.flatMap { $0 }
                var batchBuffer = expectedBuffer
                let size = generated.memory.count
                let expected: [Result<UInt64, ExecutionTrap>] = expectedBuffer.withUnsafeMutableBytes { all in
                    (0..<inputs.count).map { index in
                        let memory = size == 0 ? UnsafeMutableRawBufferPointer(start: nil, count: 0)
                            : UnsafeMutableRawBufferPointer(rebasing: all[(index * size)..<((index + 1) * size)])
                        return Self.outcome { () throws(ExecutionTrap) in try interpreter.run(memory: memory, stack: nil) }
                    }
                }
                var results = [UInt64](repeating: 0, count: inputs.count)
                let trap: BatchTrap? = batchBuffer.withUnsafeMutableBytes { all in
                    let base = UInt64(UInt(bitPattern: all.baseAddress))
                    let regions = (0..<inputs.count).map { index in
                        size == 0 ? MemoryRegion(start: 0, count: 0) : MemoryRegion(start: base + UInt64(index * size), count: UInt64(size))
                    }
                    return Self.runBatch(compiled, regions, results: &results)
                }
                let firstTrap = expected.firstIndex { if case .failure = $0 { true } else { false } }
                if trap != nil { batchesTrapped += 1 }
                let ran = firstTrap ?? inputs.count
                if trap?.index != firstTrap { mismatches.append("seed \(7_000 + seed), inlined \(inlined): trap at \(String(describing: trap?.index)), expected \(String(describing: firstTrap))") }
                if let trap, let firstTrap, !Self.same(.failure(trap.trap), expected[firstTrap]) {
                    mismatches.append("seed \(7_000 + seed), inlined \(inlined): \(trap.trap) against \(expected[firstTrap])")
                }
                for index in 0..<ran where !Self.same(.success(results[index]), expected[index]) {
                    mismatches.append("seed \(7_000 + seed), inlined \(inlined), input \(index): \(results[index]) against \(expected[index])")
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        #expect(hazards == (batchesTrapped > 0), "hazardous programs trap in some batch, safe ones never")
    }

    /// Equal results; equal traps, except that the address of an input access is compared as an
    /// offset-free kind (inputs live in different buffers per entry).
    static func same(_ left: Result<UInt64, ExecutionTrap>, _ right: Result<UInt64, ExecutionTrap>) -> Bool {
        switch (left, right) {
        case (.success(let a), .success(let b)): a == b
        case (.failure(.outOfBounds(let pcA, _, let sizeA, let writeA)), .failure(.outOfBounds(let pcB, _, let sizeB, let writeB))):
            pcA == pcB && sizeA == sizeB && writeA == writeB
        case (.failure(let a), .failure(let b)): a == b
        default: false
        }
    }
}
