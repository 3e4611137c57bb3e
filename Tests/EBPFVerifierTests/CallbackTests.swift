import EBPFAssembler
import EBPFCore
import Testing
@testable import EBPFVerifier

/// Callbacks of `bpf_loop` (a helper tagged ``HelperIntrinsic/loop``): the function address an
/// `lddw` of `code_address` loads, the callback verified as a loop body, and what is refused,
/// each at its instruction with its message.
@Suite struct CallbackTests {
    static let helpers = HelperRegistry([
        HelperFunction(
            id: 181, name: "bpf_loop",
            signature: HelperSignature(arguments: [.scalar, .callback, .callbackContext, .scalar], returns: .scalar),
            intrinsic: .loop, body: { _, _, _, _, _ in 0 }),
        HelperFunction(
            id: 5, name: "identity", signature: HelperSignature(arguments: [.anything], returns: .scalar),
            body: { r1, _, _, _, _ in r1 }),
    ])

    /// `lines` assembled, with `@name` replaced by the offset of the line `name:` from the next
    /// slot (what clang emits for a function address).
    static func program(_ lines: [String]) throws -> Program {
        var slot = 0
        var labels: [String: Int] = [:]
        var placed: [(line: String, slot: Int)] = []
        for line in lines {
            if line.hasSuffix(":") {
                labels[String(line.dropLast())] = slot
            } else {
                placed.append((line, slot))
                slot += line.hasPrefix("lddw") ? 2 : 1
            }
        }
        let text = placed.map { line, slot in
            guard let at = line.range(of: "@") else { return line }
            return String(line[..<at.lowerBound]) + String(labels[String(line[at.upperBound...])]! - slot - 1)
        }
        return try Assembler.assemble(text.joined(separator: "\n"))
    }

    static func verify(_ lines: [String], loops: VerifierOptions.LoopPolicy = .bounded) throws -> VerificationResult {
        let verifier = Verifier(helpers: helpers, options: VerifierOptions(loops: loops, contextSize: 64, license: "GPL"))
        return try verifier.verify(try program(lines))
    }

    /// The caller: a 16-byte state at fp-16 (zeroed), then bpf_loop(count, callback, fp-16, 0).
    static func caller(count: String = "mov %r1, 10", context: String = "add %r3, -16", callback: [String]) -> [String] {
        ["stdw [%r10-8], 0", "stdw [%r10-16], 0", count, "lddw %r2, code_address @callback", "mov %r3, %r10", context,
         "mov %r4, 0", "call 181", "mov %r0, 0", "exit", "callback:"] + callback
    }

    struct Refusal: CustomTestStringConvertible, Sendable {
        let name: String
        let lines: [String]
        let index: Int
        let message: String
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(name: "callback returning 2", lines: caller(callback: ["mov %r0, 2", "exit"]), index: 12,
                message: "At callback return the register R0 has value 2; it should have been in [0, 1]"),
        Refusal(name: "callback returning an unknown number", lines: caller(callback: ["mov %r0, %r1", "exit"]), index: 12,
                message: "it should have been in [0, 1]"),
        Refusal(name: "callback writing past its context's frame",
                lines: caller(callback: ["stxdw [%r2+16], %r1", "mov %r0, 0", "exit"]), index: 11,
                message: "invalid stack off=0 size=8"),
        // Each call moves a cursor kept in the context 8 bytes up the caller's frame: in bounds
        // for the first calls, past the frame's top after three. Only a verifier that follows the
        // callback's effect from one call to the next sees it.
        Refusal(name: "callback writing outside its context after some calls",
                lines: caller(callback: [
                    "ldxdw %r3, [%r2]", "mov %r4, %r2", "add %r4, %r3", "stb [%r4+8], 1", "add %r3, 8",
                    "stxdw [%r2], %r3", "mov %r0, 0", "exit",
                ]), index: 14, message: "invalid variable-offset write to stack R4"),
        Refusal(name: "callback reading R3", lines: caller(callback: ["mov %r0, %r3", "exit"]), index: 11,
                message: "R3 !read_ok"),
        Refusal(name: "callback not a function address",
                lines: ["mov %r1, 1", "mov %r2, 5", "mov %r3, 0", "mov %r4, 0", "call 181", "exit"], index: 4,
                message: "R2 type=scalar expected=func"),
        Refusal(name: "context in the packet",
                lines: [
                    "mov %r6, %r1", "mov %r1, 1", "lddw %r2, code_address @callback", "mov %r3, %r6", "mov %r4, 0", "call 181",
                    "mov %r0, 0", "exit", "callback:", "mov %r0, 0", "exit",
                ], index: 6,
                message: "R3 type=ctx expected=fp or null"),
        Refusal(name: "function address into an lddw",
                lines: ["lddw %r2, code_address 0", "mov %r0, 0", "exit"], index: 0,
                message: "invalid function address: insn 1 is not an instruction"),
        Refusal(name: "function address outside the program",
                lines: ["lddw %r2, code_address 40", "mov %r0, 0", "exit"], index: 0,
                message: "invalid function address: insn 41 is not an instruction"),
        Refusal(name: "function address of the entry function",
                lines: ["mov %r0, 0", "lddw %r2, code_address -2", "exit"], index: 1,
                message: "function address of insn 0"),
        Refusal(name: "function address arithmetic",
                lines: caller(context: "add %r2, 8", callback: ["mov %r0, 0", "exit"]), index: 6,
                message: "R2 pointer arithmetic on func prohibited"),
        Refusal(name: "reading through a function address",
                lines: ["lddw %r2, code_address @f", "ldxdw %r0, [%r2]", "exit", "f:", "mov %r0, 0", "exit"], index: 2,
                message: "R2 invalid mem access 'func'"),
        Refusal(name: "callx of bpf_loop",
                lines: [
                    "stdw [%r10-8], 0", "mov %r1, 1", "lddw %r2, code_address @callback", "mov %r3, %r10", "add %r3, -8",
                    "mov %r4, 0", "mov %r5, 181", "call %r5", "mov %r0, 0", "exit", "callback:", "mov %r0, 0", "exit",
                ], index: 8, message: "callx R5: bpf_loop can only be called with call 181"),
    ]

    @Test(arguments: refusals)
    func refused(_ refusal: Refusal) throws {
        do {
            _ = try Self.verify(refusal.lines)
            Issue.record("\(refusal.name): accepted")
        } catch let error as VerifierError {
            #expect(error.index == refusal.index, "\(refusal.name): \(error)")
            #expect(error.message.contains(refusal.message), "\(refusal.name): \(error.message)")
        }
    }

    /// Accepted under both the bounded walk and widening: the callback reads and writes its
    /// context, breaks early, uses its index, or calls bpf_loop itself.
    static let accepted: [(name: String, lines: [String])] = [
        ("sum into the context", caller(callback: [
            "ldxdw %r3, [%r2]", "add %r3, %r1", "stxdw [%r2], %r3", "mov %r0, 0", "exit",
        ])),
        ("early break", caller(callback: ["mov %r0, 0", "jlt %r1, 3, +1", "mov %r0, 1", "exit"])),
        ("null context", caller(context: "mov %r3, 0", callback: ["mov %r0, 0", "exit"])),
        ("index bounds the context access", caller(count: "mov %r1, 16", callback: [
            // index < 16, so fp-16 + index is inside the state.
            "add %r2, %r1", "stb [%r2], 1", "mov %r0, 0", "exit",
        ])),
        ("the context keeps a packet pointer", [
            "stxdw [%r10-8], %r1", "mov %r1, 4", "lddw %r2, code_address @callback", "mov %r3, %r10", "add %r3, -8",
            "mov %r4, 0", "call 181", "mov %r0, 0", "exit", "callback:",
            "ldxdw %r3, [%r2]", "ldxb %r0, [%r3+63]", "mov %r0, 0", "exit",
        ]),
        // R6 is a stack pointer on one path and the context on the other: each path walks the
        // loop on its own (a join of the two would have no type for R6).
        ("paths with different pointers", [
            "stdw [%r10-8], 0", "ldxb %r0, [%r1]", "mov %r6, %r10", "add %r6, -8", "jeq %r0, 0, +1", "mov %r6, %r1",
            "mov %r1, 3", "lddw %r2, code_address @callback", "mov %r3, 0", "mov %r4, 0", "call 181", "ldxb %r0, [%r6]",
            "exit", "callback:", "mov %r0, 0", "exit",
        ]),
        ("bpf_loop inside a loop", [
            "mov %r7, 0", "loop:", "mov %r1, 2", "lddw %r2, code_address @callback", "mov %r3, 0", "mov %r4, 0",
            "call 181", "add %r7, 1", "jlt %r7, 4, -8", "mov %r0, 0", "exit", "callback:", "mov %r0, 0", "exit",
        ]),
    ]

    @Test(arguments: accepted.indices, [VerifierOptions.LoopPolicy.bounded, .widening])
    func acceptedPrograms(_ index: Int, loops: VerifierOptions.LoopPolicy) throws {
        let result = try Self.verify(Self.accepted[index].lines, loops: loops)
        #expect(result.facts.maxCallDepth == 2, "\(Self.accepted[index].name)")
    }
}
