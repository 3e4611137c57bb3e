import EBPFAssembler
import EBPFCore
import EBPFFuzz
import EBPFInterpreter
import EBPFJIT
import EBPFTestSupport
import EBPFVerifier
import Testing

/// Programs and inputs chosen to break out of the input memory and the stack: the input and the
/// stack area sit flush against `PROT_NONE` guard pages (one placement touching the lower guard,
/// one the upper), so an access one byte outside crashes the test process. Unverified programs
/// must trap `outOfBounds` exactly as the interpreter does; verified programs (checks elided by
/// the verifier's facts) must stay inside whatever the input bytes are.
@Suite struct AdversarialInputTests {
    static let hostileFills: [UInt8] = [0x00, 0xff, 0x7f, 0x80]

    struct Run: Equatable, CustomStringConvertible {
        var termination: RunTermination
        var memory: [UInt8]
        var stack: [UInt8]
        var description: String { "\(termination)" }
    }

    /// Runs `runner` with the input placed against a guard page.
    static func guardedRun(_ runner: any ProgramRunner, memory: [UInt8], atEnd: Bool) -> Run {
        let memoryRegion = GuardedRegion()
        let stackRegion = GuardedRegion()
        let memoryView = memory.isEmpty
            ? UnsafeMutableRawBufferPointer(start: nil, count: 0)
            : memoryRegion.slice(count: memory.count, atEnd: atEnd)
        if !memory.isEmpty { memoryView.copyBytes(from: memory) }
        let stackView = stackRegion.slice(count: ExecutionLimits.stackSize, atEnd: atEnd)
        stackView.copyBytes(from: DifferentialHarness.defaultInitialStack)
        let termination: RunTermination
        do throws(ExecutionTrap) {
            termination = .returned(try runner.run(memory: memoryView, stack: stackView))
        } catch {
            termination = .trapped(error)
        }
        return Run(termination: termination, memory: Array(memoryView), stack: Array(stackView))
    }

    static func address(of run: Run) -> Run {
        // Trap addresses differ between placements; keep only the kind and pc for comparison.
        var copy = run
        if case .trapped(.outOfBounds(let pc, _, let size, let isWrite)) = run.termination {
            copy.termination = .trapped(.outOfBounds(pc: pc, address: 0, size: size, isWrite: isWrite))
        }
        return copy
    }

    /// Hazardous generated programs (random offsets, pointers from scalars), not verified: every
    /// access is checked at run time, in both engines, against guard pages on both sides.
    @Test(arguments: [false, true])
    func unverifiedHazardousProgramsStayInside(atEnd: Bool) throws {
        var options = RandomProgramGenerator.Options.unsafe
        options.hazardPercent = 25
        let generator = RandomProgramGenerator(options: options)
        let limits = ExecutionLimits(instructionBudget: 5_000)
        var outOfBounds = 0
        for seed in UInt64(90_000)..<90_150 {
            let generated = generator.generate(seed: seed)
            let interpreter = Interpreter(program: generated.program, helpers: TestHelpers.registry, limits: limits)
            let jit = try JIT.compile(generated.program, helpers: TestHelpers.registry, limits: limits)
            let expected = Self.address(of: Self.guardedRun(interpreter, memory: generated.memory, atEnd: atEnd))
            let actual = Self.address(of: Self.guardedRun(jit, memory: generated.memory, atEnd: atEnd))
            #expect(expected == actual, "seed \(seed): interpreter \(expected), jit \(actual)")
            if case .trapped(.outOfBounds) = actual.termination { outOfBounds += 1 }
        }
        #expect(outOfBounds > 10, "the hazards should produce out-of-bounds attempts")
    }

    /// Safe generated programs, verified for their input size, compiled with the verifier's facts
    /// (bounds checks removed), run over hostile input contents.
    @Test(arguments: hostileFills, [VerifierOptions.LoopPolicy.bounded, .widening])
    func verifiedProgramsStayInsideWhateverTheInput(fill: UInt8, loops: VerifierOptions.LoopPolicy) throws {
        let generator = RandomProgramGenerator()
        var verified = 0
        for seed in UInt64(95_000)..<95_060 {
            let generated = generator.generate(seed: seed)
            let verifier = Verifier(
                helpers: TestHelpers.registry, options: VerifierOptions(loops: loops, contextSize: generated.memorySize))
            guard let facts = try? verifier.verify(generated.program).facts else { continue }
            verified += 1
            let hostile = [UInt8](repeating: fill, count: generated.memorySize)
            let jit = try JIT.compile(generated.program, helpers: TestHelpers.registry, facts: facts)
            let interpreter = Interpreter(program: generated.program, helpers: TestHelpers.registry)
            for atEnd in [false, true] {
                let actual = Self.guardedRun(jit, memory: hostile, atEnd: atEnd)
                let expected = Self.guardedRun(interpreter, memory: hostile, atEnd: atEnd)
                #expect(actual == expected, "seed \(seed) fill \(fill)")
                if case .trapped = actual.termination { Issue.record("seed \(seed): verified program trapped: \(actual)") }
            }
        }
        #expect(verified > 45)
    }

    /// Programs with loops of up to 300 iterations, verified under the widening policy (facts for
    /// every iteration, termination not proven), compiled with the facts and run over hostile
    /// input between guard pages: same outcome as the interpreter, never a trap.
    @Test func wideningVerifiedLongLoopsStayInside() throws {
        let generator = RandomProgramGenerator(options: FuzzPreset.longLoopOptions)
        var verified = 0
        for seed in UInt64(96_000)..<96_040 {
            let generated = generator.generate(seed: seed)
            let verifier = Verifier(
                helpers: TestHelpers.registry, options: VerifierOptions(loops: .widening, contextSize: generated.memorySize))
            guard let facts = try? verifier.verify(generated.program).facts else { continue }
            verified += 1
            let hostile = [UInt8](repeating: 0xff, count: generated.memorySize)
            let jit = try JIT.compile(generated.program, helpers: TestHelpers.registry, facts: facts)
            let interpreter = Interpreter(program: generated.program, helpers: TestHelpers.registry)
            for atEnd in [false, true] {
                let actual = Self.guardedRun(jit, memory: hostile, atEnd: atEnd)
                let expected = Self.guardedRun(interpreter, memory: hostile, atEnd: atEnd)
                #expect(actual == expected, "seed \(seed)")
                if case .trapped = actual.termination { Issue.record("seed \(seed): verified program trapped: \(actual)") }
            }
        }
        #expect(verified > 20, "only \(verified) of 40 long-loop programs verified under widening")
    }

    /// An offset read from the input and added to the input pointer: without a bound the verifier
    /// refuses it; unverified, both engines trap for every hostile offset.
    static let unboundedOffset = """
        ldxdw r2, [r1]
        add r1, r2
        ldxb r0, [r1]
        exit
        """
    /// The same with the bound the verifier needs: offsets 0...7 read inside 16 bytes.
    static let boundedOffset = """
        ldxdw r2, [r1]
        jgt r2, 7, +3
        add r1, r2
        ldxb r0, [r1+8]
        exit
        mov r0, 99
        exit
        """
    static let hostileOffsets: [UInt64] = [
        0, 7, 8, 15, 16, 17, 4095, 4096, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 1 << 32,
        0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000, UInt64.max, UInt64.max - 7, UInt64.max - 15,
    ]

    static func input(offset: UInt64) -> [UInt8] {
        withUnsafeBytes(of: offset.littleEndian, Array.init) + (8..<16).map { UInt8($0) }
    }

    @Test func unboundedOffsetIsRejectedOrTrapped() throws {
        let program = try Assembler.assemble(Self.unboundedOffset)
        let verifier = Verifier(helpers: TestHelpers.registry, options: VerifierOptions(contextSize: 16))
        #expect(throws: VerifierError.self) { try verifier.verify(program) }
        let jit = try JIT.compile(program)
        for offset in Self.hostileOffsets {
            for atEnd in [false, true] {
                let run = Self.guardedRun(jit, memory: Self.input(offset: offset), atEnd: atEnd)
                if offset < 16 {
                    #expect(run.termination == .returned(UInt64(Self.input(offset: offset)[Int(offset)])), "offset \(offset)")
                } else if case .trapped(.outOfBounds(pc: 2, _, size: 1, isWrite: false)) = run.termination {
                    // expected
                } else {
                    Issue.record("offset \(offset): \(run)")
                }
            }
        }
    }

    @Test func boundedOffsetRunsWithoutChecksAndStaysInside() throws {
        let program = try Assembler.assemble(Self.boundedOffset)
        let verifier = Verifier(helpers: TestHelpers.registry, options: VerifierOptions(contextSize: 16))
        let facts = try verifier.verify(program).facts
        #expect(facts.accessIsSafe[3], "the verifier should prove the bounded access safe")
        let jit = try JIT.compile(program, facts: facts)
        for offset in Self.hostileOffsets {
            let input = Self.input(offset: offset)
            let expected: UInt64 = offset <= 7 ? UInt64(input[8 + Int(offset)]) : 99
            for atEnd in [false, true] {
                #expect(Self.guardedRun(jit, memory: input, atEnd: atEnd).termination == .returned(expected), "offset \(offset)")
            }
        }
    }

    /// Stack pointer arithmetic with a hostile value: unverified, every escape traps.
    @Test(arguments: [Int64(-4097), -513, 1, 8, 4096, Int64.min, Int64.max])
    func stackEscapesTrap(delta: Int64) throws {
        let program = try Assembler.assemble("""
            ldxdw r2, [r1]
            mov r3, r10
            add r3, r2
            stxdw [r3-8], r2
            mov r0, 1
            exit
            """)
        let jit = try JIT.compile(program)
        let input = withUnsafeBytes(of: delta.littleEndian, Array.init)
        for atEnd in [false, true] {
            let run = Self.guardedRun(jit, memory: input, atEnd: atEnd)
            // R10 is the top of the stack area: any positive delta or one below the area escapes,
            // unless the 8 bytes land back inside the input memory (not possible for these deltas).
            let inside = delta <= 0 && delta >= -(Int64(ExecutionLimits.stackSize) - 8)
            if inside {
                #expect(run.termination == .returned(1))
            } else if case .trapped(.outOfBounds(pc: 3, _, size: 8, isWrite: true)) = run.termination {
                // expected
            } else {
                Issue.record("delta \(delta): \(run)")
            }
            #expect(run.memory == input, "the input must not change")
        }
    }
}
