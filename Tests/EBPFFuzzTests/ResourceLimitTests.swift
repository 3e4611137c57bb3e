import EBPFAssembler
import EBPFCore
import EBPFFuzz
import EBPFInterpreter
import EBPFJIT
import EBPFRuntime
import EBPFTestSupport
import EBPFVerifier
import Testing

/// Every resource is bounded with a typed error: the instruction budget (same pc and count in
/// both engines), the call depth, the program size (verifier) and the machine-code size (JIT).
@Suite struct ResourceLimitTests {
    /// Endless programs of different shapes.
    static let endless: [(name: String, source: String)] = [
        ("self jump", "ja -1"),
        ("two-block loop", "mov r0, 0\nadd r0, 1\njne r0, 0, -2\nexit"),
        ("loop through a local call", "mov r6, 0\ncall local f\nja -2\nexit\nf:\nadd r6, 1\nexit"),
        ("loop with a helper call", "mov r1, 1\ncall 4\njne r0, 0, -3\nexit"),
        ("loop with lddw", "lddw r0, 0x100000000\nja -3\nexit"),
    ]

    @Test(arguments: endless.indices)
    func endlessProgramsStopAtTheSameInstruction(index: Int) throws {
        let program = try Assembler.assemble(Self.endless[index].source)
        for budget: UInt64 in [0, 1, 2, 7, 100, 12_345] {
            let limits = ExecutionLimits(instructionBudget: budget)
            var memory: [UInt8] = []
            let interpreter = Interpreter(program: program, helpers: TestHelpers.registry, limits: limits)
            let expected: ExecutionTrap? = {
                do throws(ExecutionTrap) { _ = try interpreter.run(&memory); return nil } catch { return error }
            }()
            guard case .budgetExhausted(_, let executed) = expected else {
                Issue.record("\(Self.endless[index].name): interpreter did not stop at the budget: \(String(describing: expected))")
                continue
            }
            #expect(executed > budget)
            for options in FuzzEngines.jitOptions {
                let jit = try JIT.compile(program, helpers: TestHelpers.registry, limits: limits, options: options)
                #expect(throws: expected!) { try jit.run(&memory) }
            }
        }
    }

    @Test func recursionStopsAtTheCallDepth() throws {
        let program = try Assembler.assemble("call local f\nexit\nf:\ncall local f\nexit")
        var memory: [UInt8] = []
        let expected = ExecutionTrap.callDepthExceeded(pc: 2, depth: ExecutionLimits.maxCallDepth)
        #expect(throws: expected) { try Interpreter(program: program).run(&memory) }
        for options in FuzzEngines.jitOptions {
            #expect(throws: expected) { try JIT.compile(program, options: options).run(&memory) }
        }
        let verifier = Verifier()
        #expect(throws: VerifierError.self) { try verifier.verify(program) }
    }

    @Test func machineCodeSizeIsBounded() throws {
        let program = try Program(validating: Array(repeating: Instruction(opcode: 0x07, dst: 0, immediate: 0x1234_5678), count: 2_000)
            + [Instruction(opcode: Opcode.exit)])
        let options = JITOptions(maxCodeSize: 4_096)
        do {
            _ = try JIT.compile(program, options: options)
            Issue.record("compiled past the code-size limit")
        } catch {
            guard case .codeTooLarge(let size, let limit) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(limit == 4_096)
            #expect(size > 4_096)
        }
        // The same program fits the default limit.
        #expect(throws: Never.self) { try JIT.compile(program) }
    }

    /// Hostile map definitions (as a corrupt object file could carry) are refused before anything
    /// is allocated.
    @Test(arguments: [
        MapDefinition(type: .array, keySize: 4, valueSize: 1 << 20, maxEntries: 1 << 20),
        MapDefinition(type: .hash, keySize: 8, valueSize: 8, maxEntries: Int.max),
        MapDefinition(type: .hash, keySize: 1 << 21, valueSize: 8, maxEntries: 1),
        MapDefinition(type: .array, keySize: 4, valueSize: (1 << 20) + 1, maxEntries: 1),
        MapDefinition(type: .array, keySize: 4, valueSize: 8, maxEntries: 0),
        // Values fit the limit (8 MiB) but the preallocated keys do not (1 GiB + 8 MiB).
        MapDefinition(type: .hash, keySize: 1 << 20, valueSize: 8, maxEntries: 1 << 10),
        MapDefinition(type: .lruHash, keySize: 1 << 20, valueSize: 8, maxEntries: 1 << 10),
    ])
    func mapSizesAreBounded(definition: MapDefinition) {
        do {
            try definition.validate()
            Issue.record("accepted \(definition)")
        } catch {
            guard case .invalidDefinition(let reason) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(!reason.isEmpty)
        }
    }

    @Test func programSizeIsBoundedByTheVerifier() throws {
        let program = try Program(validating: Array(repeating: Instruction(opcode: 0xb7), count: 100) + [Instruction(opcode: Opcode.exit)])
        let verifier = Verifier(options: VerifierOptions(maxInstructions: 64))
        do {
            _ = try verifier.verify(program)
            Issue.record("accepted a program longer than maxInstructions")
        } catch {
            #expect(!error.message.isEmpty)
        }
    }
}
