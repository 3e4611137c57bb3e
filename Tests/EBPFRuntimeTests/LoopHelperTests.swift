import EBPF
import Testing

/// `bpf_loop` (helper 181, ``HelperIntrinsic/loop``) in small assembled programs: what it returns
/// and what its callback sees, in every engine with and without the verifier (bit for bit the
/// same results and traps), and what the verifier refuses.
@Suite struct LoopHelperTests {
    /// Assembles `lines`, where `code_address @name` becomes the function address of the line
    /// `name:` (relative to the next slot, as clang emits it) and `call @name` a local call to it.
    static func assemble(_ lines: [String]) throws -> Program {
        var slot = 0
        var labels: [String: Int] = [:]
        var slots: [Int] = []
        for line in lines {
            if line.hasSuffix(":") {
                labels[String(line.dropLast())] = slot
                slots.append(slot)
                continue
            }
            slots.append(slot)
            slot += line.hasPrefix("lddw") ? 2 : 1
        }
        let resolved = zip(lines, slots).compactMap { line, slot -> String? in
            if line.hasSuffix(":") { return nil }
            guard let at = line.range(of: "@") else { return line }
            let name = String(line[at.upperBound...])
            let relative = labels[name]! - slot - 1
            return String(line[..<at.lowerBound]) + String(relative)
        }
        return try Assembler.assemble(resolved.joined(separator: "\n"))
    }

    /// Sums the indexes the callback is given into a counter on the caller's stack; R0 =
    /// bpf_loop's result << 32 | the sum. `count` goes to R1 with an `lddw` (64 bits).
    static func sum(count: UInt64, flags: Int32 = 0, breakAt: Int? = nil) -> [String] {
        var callback = ["ldxdw %r3, [%r2]", "add %r3, %r1", "stxdw [%r2], %r3", "mov %r0, 0"]
        if let breakAt { callback += ["jne %r1, \(breakAt), +1", "mov %r0, 1"] }
        return [
            "stdw [%r10-8], 0", "lddw %r1, \(count)", "lddw %r2, code_address @callback", "mov %r3, %r10",
            "add %r3, -8", "mov %r4, \(flags)", "call 181", "ldxdw %r1, [%r10-8]", "lsh %r0, 32", "or %r0, %r1", "exit",
            "callback:",
        ] + callback + ["exit"]
    }

    /// A callback that itself calls bpf_loop: `outer` × `inner` calls of the inner callback,
    /// each adding 1 to the caller's counter.
    static func nested(outer: Int, inner: Int) -> [String] {
        [
            "stdw [%r10-8], 0", "mov %r1, \(outer)", "lddw %r2, code_address @outer", "mov %r3, %r10", "add %r3, -8",
            "mov %r4, 0", "call 181", "ldxdw %r0, [%r10-8]", "exit",
            "outer:",
            "mov %r6, %r2", "mov %r1, \(inner)", "lddw %r2, code_address @inner", "mov %r3, %r6", "mov %r4, 0",
            "call 181", "mov %r0, 0", "exit",
            "inner:",
            "ldxdw %r3, [%r2]", "add %r3, 1", "stxdw [%r2], %r3", "mov %r0, 0", "exit",
        ]
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let lines: [String]
        let expected: UInt64
        var testDescription: String { name }
    }

    static func result(calls: UInt64, sum: UInt64) -> UInt64 { calls << 32 | sum }

    static let cases: [Case] = [
        Case(name: "nr_loops 0", lines: sum(count: 0), expected: result(calls: 0, sum: 0)),
        Case(name: "nr_loops 1", lines: sum(count: 1), expected: result(calls: 1, sum: 0)),
        Case(name: "nr_loops 100", lines: sum(count: 100), expected: result(calls: 100, sum: 4950)),
        Case(name: "break at index 3", lines: sum(count: 100, breakAt: 3), expected: result(calls: 4, sum: 6)),
        Case(name: "break at the last index", lines: sum(count: 5, breakAt: 4), expected: result(calls: 5, sum: 10)),
        Case(name: "only the low 32 bits of nr_loops count", lines: sum(count: 1 << 32 | 3), expected: result(calls: 3, sum: 3)),
        Case(name: "nr_loops 1 << 23 is allowed", lines: sum(count: 1 << 23, breakAt: 2), expected: result(calls: 3, sum: 3)),
        // -EINVAL / -E2BIG in the high half, the callback never called.
        Case(name: "flags 1: -EINVAL", lines: sum(count: 10, flags: 1), expected: UInt64(bitPattern: -22) << 32),
        Case(name: "nr_loops over 1 << 23: -E2BIG", lines: sum(count: 1 << 23 + 1), expected: UInt64(bitPattern: -7) << 32),
        Case(name: "nested bpf_loop", lines: nested(outer: 7, inner: 5), expected: 35),
    ]

    static func configurations(budget: UInt64 = ExecutionLimits.defaultInstructionBudget) -> [ExecutionConfiguration] {
        Engine.allCases.flatMap { engine in
            [true, false].map {
                ExecutionConfiguration(engine: engine, verify: $0, helpers: .kernel, limits: ExecutionLimits(instructionBudget: budget))
            }
        }
    }

    static func run(_ program: Program, _ configuration: ExecutionConfiguration) throws -> Result<UInt64, ExecutionTrap> {
        let linked = try ProgramLinker(helpers: .kernel).link(program, maps: [:], license: "GPL")
        let runner = try linked.prepare(configuration: configuration)
        var bytes: [UInt8] = Array(repeating: 0, count: 16)
        do throws(ExecutionTrap) {
            return .success(try linked.run(using: runner, bytes: &bytes))
        } catch {
            return .failure(error)
        }
    }

    @Test(arguments: cases, configurations())
    func loopResults(_ testCase: Case, configuration: ExecutionConfiguration) throws {
        let program = try Self.assemble(testCase.lines)
        #expect(try Self.run(program, configuration) == .success(testCase.expected))
    }

    /// Programs the verifier would refuse, run without it: every engine stops with the same trap
    /// (or the same result).
    static let unverifiedCases: [(name: String, lines: [String])] = [
        // R2 holds a number that is not a function address: trapped at the call.
        ("forged callback", ["mov %r1, 3", "mov %r2, 5", "mov %r3, 0", "mov %r4, 0", "call 181", "exit"]),
        // A callback calling bpf_loop with itself: the ninth frame traps at the inner call.
        ("callback recursion", [
            "mov %r1, 2", "lddw %r2, code_address @again", "mov %r3, 0", "mov %r4, 0", "call 181", "exit",
            "again:",
            "mov %r1, 2", "lddw %r2, code_address @again", "mov %r3, 0", "mov %r4, 0", "call 181", "mov %r0, 0", "exit",
        ]),
        // The callback's R0 and R3–R5 at entry and R1–R5 after the loop are defined (0, and what
        // the last call left): the result mixes them.
        ("registers around the callback", [
            "mov %r1, 3", "lddw %r2, code_address @look", "mov %r3, 77", "mov %r4, 0", "mov %r5, 9", "call 181",
            "lsh %r0, 8", "add %r0, %r1", "lsh %r0, 8", "add %r0, %r2", "lsh %r0, 8", "add %r0, %r3",
            "lsh %r0, 8", "add %r0, %r5", "exit",
            "look:",
            "mov %r1, %r0", "add %r1, %r3", "add %r1, %r4", "add %r1, %r5", "add %r1, 40", "mov %r0, 0", "exit",
        ]),
        // A callback returning 2 stops the loop as any nonzero value does.
        ("callback returning 2", ["mov %r1, 9", "lddw %r2, code_address @two", "mov %r3, 0", "mov %r4, 0", "call 181", "exit",
                                  "two:", "mov %r0, 2", "exit"]),
    ]

    @Test(arguments: unverifiedCases.indices)
    func enginesAgreeWithoutTheVerifier(_ index: Int) throws {
        let program = try Self.assemble(Self.unverifiedCases[index].lines)
        let outcomes = try Self.configurations().filter { !$0.verify }.map { try Self.run(program, $0) }
        #expect(outcomes.count == 2)
        #expect(outcomes.allSatisfy { $0 == outcomes[0] }, "\(Self.unverifiedCases[index].name): \(outcomes)")
        switch index {
        case 0: #expect(outcomes[0] == .failure(.invalidInstruction(pc: 4, reason: HelperIntrinsic.invalidCallbackReason(5))))
        case 1: #expect(outcomes[0] == .failure(.callDepthExceeded(pc: 12, depth: ExecutionLimits.maxCallDepth)))
        case 2: #expect(outcomes[0] == .success(3 << 32 | 40 << 24 | 77 << 16))
        default: #expect(outcomes[0] == .success(1))
        }
    }

    /// The instruction budget stops a long loop at the bpf_loop call, with the same count in
    /// both engines, verified or not (the verifier does not call a program with bpf_loop
    /// terminating, so the JIT keeps counting).
    @Test(arguments: configurations(budget: 1_000))
    func budgetStopsTheLoop(configuration: ExecutionConfiguration) throws {
        let program = try Self.assemble(Self.sum(count: 1_000))
        let outcome = try Self.run(program, configuration)
        let reference = try Self.run(program, ExecutionConfiguration(
            engine: .interpreter, verify: false, helpers: .kernel, limits: ExecutionLimits(instructionBudget: 1_000)))
        #expect(outcome == reference)
        guard case .failure(.budgetExhausted(let pc, let executed)) = outcome else {
            Issue.record("expected the budget to run out, got \(outcome)")
            return
        }
        #expect(pc == 8)
        #expect(executed > 1_000 && executed < 1_010)
    }
}
