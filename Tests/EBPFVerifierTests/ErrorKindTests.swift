import EBPFCore
import Testing
@testable import EBPFVerifier

/// One rejected program and the kind of error it must get, with where and (the start of) what
/// the message says, so that a kind cannot pass with the wrong error.
struct KindCase: CustomTestStringConvertible, Sendable {
    var name: String
    var kind: VerifierError.Kind
    var index: Int
    var message: String
    /// Assembly text, or `nil` when ``slots`` holds the program (for slots the assembler cannot
    /// write: those that do not decode).
    var source: String?
    var slots: [Instruction] = []
    var loops: VerifierOptions.LoopPolicy = .bounded
    var license: String? = "GPL"
    var budget = 1_000_000
    var maxInstructions = 1_000_000
    var helpers = VerifierFixtures.helpers

    var testDescription: String { name }

    init(_ name: String, _ kind: VerifierError.Kind, _ source: String, at index: Int, _ message: String) {
        self.name = name
        self.kind = kind
        self.source = source
        self.index = index
        self.message = message
    }

    init(_ name: String, _ kind: VerifierError.Kind, slots: [Instruction], at index: Int, _ message: String) {
        self.name = name
        self.kind = kind
        self.slots = slots
        self.index = index
        self.message = message
    }

    func with(_ change: (inout KindCase) -> Void) -> KindCase {
        var copy = self
        change(&copy)
        return copy
    }

    func verify(loops policy: VerifierOptions.LoopPolicy? = nil) throws -> Result<VerificationResult, VerifierError> {
        let program = try source.map { try VerifierFixtures.program($0) } ?? Program(unchecked: slots)
        let verifier = Verifier(
            helpers: helpers,
            options: VerifierOptions(
                loops: policy ?? loops, maxInstructions: maxInstructions, processedInstructionBudget: budget,
                contextSize: 64, license: license, maps: [7: VerifierFixtures.map]))
        do throws(VerifierError) {
            return .success(try verifier.verify(program))
        } catch {
            return .failure(error)
        }
    }
}

@Suite struct ErrorKindTests {
    /// A registry whose helper 9 takes a map key without a map pointer before it: a signature the
    /// verifier cannot check.
    static let misconfiguredHelpers = HelperRegistry([
        HelperFunction(
            id: 9, name: "broken", signature: HelperSignature(arguments: [.mapKey], returns: .scalar),
            body: { _, _, _, _, _ in 0 })
    ])

    static let cases: [KindCase] = [
        // Slots that do not decode.
        KindCase("unknown opcode", .malformed, slots: [Instruction(opcode: 0xff), Instruction(opcode: Opcode.exit)],
                 at: 0, "unknown opcode ff"),
        KindCase("reserved field", .malformed,
                 slots: [Instruction(opcode: 0xb7), Instruction(opcode: Opcode.exit, dst: 1)], at: 1,
                 "BPF_JMP uses reserved fields"),
        KindCase("register above R10", .malformed,
                 slots: [Instruction(opcode: 0xb7, dst: 12), Instruction(opcode: Opcode.exit)], at: 0, "R12 is invalid"),
        KindCase("lddw without its second slot", .malformed, slots: [Instruction(opcode: Opcode.lddw)], at: 0,
                 "invalid bpf_ld_imm64 insn"),

        // Control flow.
        KindCase("empty program", .structure, "", at: 0, "empty program"),
        KindCase("jump out of range", .structure, "ja +5\nexit", at: 0, "jump out of range from insn 0 to 6"),
        KindCase("jump into lddw", .structure, "ja +1\nlddw %r0, 5\nexit", at: 0, "jump into the middle of ldimm64 insn 1"),
        KindCase("fall off the end", .structure, "mov %r0, 0", at: 0, "last insn is not an exit or jmp"),
        KindCase("unreachable instruction", .structure, "mov %r0, 0\nexit\nmov %r0, 1\nexit", at: 2, "unreachable insn 2"),
        KindCase("local call outside the program", .structure, "call local +5\nexit", at: 0,
                 "call to invalid destination (insn 6)"),
        KindCase("back-edge under strict", .structure, "mov %r0, 0\nloop:\nadd %r0, 1\njlt %r0, 10, loop\nexit", at: 2,
                 "back-edge from insn 2 to 1").with { $0.loops = .strict },
        KindCase("function address that is not a function", .structure, "lddw %r1, code_address 0\nmov %r0, 0\nexit", at: 0,
                 "invalid function address: insn 1 is not an instruction"),

        // What the environment provides.
        KindCase("unknown helper", .environment, "call 99\nexit", at: 0, "invalid func unknown#99"),
        KindCase("GPL-only helper without a licence", .environment,
                 "stdw [%r10-8], 0\nmov %r1, %r10\nadd %r1, -8\nmov %r2, 8\ncall 2\nexit", at: 4,
                 "cannot call GPL-restricted function").with { $0.license = nil },
        KindCase("unknown map", .environment, "lddw %r1, map_fd 9\nmov %r0, 0\nexit", at: 0,
                 "fd 9 is not pointing to valid bpf_map"),
        KindCase("map value offset past the value", .environment, "lddw %r1, map_value_fd 7+16\nmov %r0, 0\nexit", at: 0,
                 "invalid access to map value pointer, value_size=16 off=16"),
        KindCase("callx to an unregistered helper", .environment, "mov %r2, 42\ncall %r2\nexit", at: 1,
                 "invalid func unknown#42"),
        KindCase("helper signature without its map", .environment, "mov %r1, 0\ncall 9\nexit", at: 1,
                 "invalid map_ptr to access map->key").with { $0.helpers = misconfiguredHelpers },

        // What the abstract interpretation cannot prove.
        KindCase("uninitialised register", .safetyViolation, "mov %r0, %r3\nexit", at: 0, "R3 !read_ok"),
        KindCase("write to R10", .safetyViolation, "mov %r10, 0\nmov %r0, 0\nexit", at: 0, "frame pointer is read only"),
        KindCase("context read past its end", .safetyViolation, "ldxw %r0, [%r1+62]\nexit", at: 0,
                 "invalid bpf_context access off=62 size=4"),
        KindCase("uninitialised stack", .safetyViolation, "ldxdw %r0, [%r10-8]\nexit", at: 0,
                 "invalid read from stack off -8+0 size 8"),
        KindCase("endless loop", .safetyViolation, "mov %r0, 0\nloop:\njeq %r0, 0, loop\nexit", at: 1,
                 "infinite loop detected at insn 1"),
        KindCase("no loop invariant keeps a pointer", .safetyViolation,
                 "mov %r4, %r1\nmov %r3, 0\nloop:\nldxb %r0, [%r4+0]\nmov %r4, 5\nadd %r3, 1\njlt %r3, 10, loop\nexit",
                 at: 2, "R4 is ctx(off=0,sz=64,imm=0) on one path into the loop at insn 2 and 5 on another")
            .with { $0.loops = .widening },

        // Nothing unsafe found, but the bounded walk cannot tell that the loop ends: the state
        // repeats after a branch on a byte of the input.
        KindCase("loop that repeats after an undecided branch", .repeatedState,
                 "mov %r0, 0\nloop:\nldxb %r3, [%r1+0]\njeq %r3, 7, out\nja loop\nout:\nexit", at: 1,
                 "infinite loop detected at insn 1 (the state repeats after branches the verifier could not decide"),

        // Too much work.
        KindCase("loop the budget cannot unroll", .budgetExhausted,
                 "ldxw %r2, [%r1+0]\nmov %r0, 0\nloop:\nadd %r0, 1\njlt %r0, %r2, loop\nexit", at: 4,
                 "BPF program is too large. Processed 1001 insn").with { $0.budget = 1000 },

        // Constructs the verifier does not model.
        KindCase("lddw of a variable address", .unsupported, "lddw %r1, variable_address 0\nmov %r0, 0\nexit", at: 0,
                 "unsupported lddw src=3"),
        KindCase("callx through an unknown id", .unsupported, "ldxdw %r2, [%r1+0]\ncall %r2\nexit", at: 1,
                 "callx R2: the helper id must be a known constant"),

        // Fixed limits.
        KindCase("more slots than allowed", .resourceLimit, "mov %r0, 0\nmov %r0, 1\nexit", at: 2,
                 "program too large: 3 instructions, the limit is 2").with { $0.maxInstructions = 2 },
        KindCase("call stack too deep", .resourceLimit, "call local f\nexit\nf:\ncall local f\nexit", at: 2,
                 "the call stack of 9 frames is too deep !"),
    ]

    @Test(arguments: cases)
    func rejectionHasItsKind(_ testCase: KindCase) throws {
        guard case .failure(let error) = try testCase.verify() else {
            Issue.record("accepted, expected \(testCase.kind): \(testCase.message)")
            return
        }
        #expect(error.kind == testCase.kind, "\(error)")
        #expect(error.index == testCase.index, "\(error)")
        #expect(error.message.hasPrefix(testCase.message), "\(error)")
    }

    @Test func everyKindHasACase() {
        #expect(Set(Self.cases.map(\.kind)) == Set(VerifierError.Kind.allCases))
    }

    /// `automatic` retries with `widening` exactly when `bounded` failed with
    /// ``VerifierError/Kind/budgetExhausted`` or ``VerifierError/Kind/repeatedState``: every other
    /// rejection under `bounded` is final and the same error.
    @Test(arguments: cases.filter { $0.loops == .bounded })
    func automaticFallsBackByKind(_ testCase: KindCase) throws {
        let bounded = try testCase.verify(loops: .bounded)
        let automatic = try testCase.verify(loops: .automatic)
        guard case .failure(let boundedError) = bounded else {
            Issue.record("bounded accepted")
            return
        }
        #expect(boundedError.isRetriedWithWidening == [.budgetExhausted, .repeatedState].contains(boundedError.kind))
        if boundedError.isRetriedWithWidening {
            // The loop has no access it cannot prove: widening accepts it.
            let result = try automatic.get()
            #expect(result.loops == .widening)
        } else {
            guard case .failure(let automaticError) = automatic else {
                Issue.record("automatic accepted what bounded rejected with \(boundedError.kind)")
                return
            }
            #expect(automaticError == boundedError)
        }
    }
}
