import EBPF
import Testing

/// Register copies moved past their block's conditional jump onto the one way out that reads them
/// (``JITOptions/sinksCopies``, `SunkCopies`): the copy's slot is empty where it must move and
/// keeps its code where it must not, and every configuration returns what the interpreter
/// returns, with copies sunk or not, on inputs that leave by each way.
@Suite struct SunkCopyTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let source: String
        /// The copies that must move (empty code in place).
        let sunk: [Int]
        /// The copies that must stay.
        let kept: [Int]
        var testDescription: String { name }
    }

    /// sort's inner loop: `r3 = r5` before the exit test (read only after the exit, a forward jump
    /// out of the loop: a stub on the taken way) and `r3 = 0` before the back-edge (read only on
    /// the fall-through); `r5 = r9` is read only round the loop, but a backward jump's taken way
    /// gets no stub.
    static let sortShape = """
        mov %r0, 0
        mov %r5, 10
        mov %r9, 10
        loop:
        add %r9, -1
        ldxb %r2, [%r1+0]
        mov %r3, %r5
        jgt %r2, %r9, out
        add %r0, 1
        mov %r3, 0
        mov %r5, %r9
        jne %r9, 0, loop
        out:
        mul %r0, 100
        add %r0, %r3
        exit
        """

    static let cases: [Case] = [
        Case(name: "sort's inner loop", source: sortShape, sunk: [5, 8], kept: [9]),
        Case(name: "read on both ways (kept)", source: """
            ldxb %r2, [%r1+0]
            mov %r3, 7
            jeq %r2, 1, one
            add %r3, 1
            one:
            mov %r0, %r3
            exit
            """, sunk: [], kept: [1]),
        Case(name: "source written after the copy (kept)", source: """
            ldxb %r2, [%r1+0]
            mov %r4, 5
            mov %r3, %r4
            add %r4, 1
            jeq %r2, 1, one
            mov %r0, %r3
            exit
            one:
            mov %r0, %r4
            exit
            """, sunk: [], kept: [2]),
        Case(name: "destination read by the compare (kept)", source: """
            ldxb %r2, [%r1+0]
            mov %r3, %r2
            jeq %r3, 1, one
            mov %r0, 9
            exit
            one:
            mov %r0, %r3
            exit
            """, sunk: [], kept: [1]),
        Case(name: "helper call between the copy and the jump (kept)", source: """
            ldxb %r6, [%r1+0]
            mov %r7, %r6
            call 5
            jeq %r6, 1, one
            mov %r0, %r7
            exit
            one:
            mov %r0, 3
            exit
            """, sunk: [], kept: [1]),
        Case(name: "fall-through of a forward jump, copy of a constant", source: """
            ldxb %r2, [%r1+0]
            mov %r3, 40
            jeq %r2, 1, one
            mov %r0, %r3
            exit
            one:
            mov %r0, 3
            exit
            """, sunk: [1], kept: []),
        Case(name: "taken way of a forward jump that stays in its loop (kept)", source: """
            mov %r0, 0
            mov %r4, 0
            loop:
            ldxb %r2, [%r1+0]
            mov %r3, %r4
            jeq %r2, 2, skip
            mov %r3, 1
            skip:
            add %r0, %r3
            add %r4, 1
            jlt %r4, 5, loop
            exit
            """, sunk: [], kept: [3]),
        Case(name: "32-bit copy over a plain store onto the fall-through", source: """
            ldxb %r2, [%r1+0]
            mov32 %r3, %r2
            stxdw [%r10-8], %r2
            jeq %r2, 1, one
            mov %r0, %r3
            exit
            one:
            ldxdw %r0, [%r10-8]
            exit
            """, sunk: [1], kept: []),
        // Two copies read only on the fall-through: the one nearest the jump moves, the other
        // stays (two would run as a parallel move; the fuzzer found one clobbering the other).
        Case(name: "two copies onto one way (one moves)", source: """
            ldxb %r2, [%r1+0]
            ldxb %r4, [%r1+1]
            mov %r7, 5
            mov %r3, 9
            jeq %r2, 1, one
            mov %r0, %r7
            add %r0, %r3
            add %r0, %r4
            exit
            one:
            mov %r0, 0
            exit
            """, sunk: [3], kept: [2]),
    ]

    static func facts(_ program: Program) throws -> VerifiedFacts {
        let verifier = Verifier(helpers: .conformance, options: VerifierOptions(loops: .bounded, contextSize: 8))
        return try verifier.verify(program).facts
    }

    @Test(arguments: cases)
    func copiesMoveOnlyWhereOneWayReadsThem(_ testCase: Case) throws {
        let program = try Assembler.assemble(testCase.source)
        let facts = try Self.facts(program)
        let interpreter = Interpreter(program: program, helpers: .conformance)
        for var options in JITConfigurations.all {
            options.sinksCopies = true
            let sinking = try JIT.compile(program, helpers: .conformance, facts: facts, options: options)
            var plainOptions = options
            plainOptions.sinksCopies = false
            let plain = try JIT.compile(program, helpers: .conformance, facts: facts, options: plainOptions)
            // A copy that moves leaves its slot empty; where none moves, the code is the same
            // byte for byte (a copy may be empty in both when the allocator gives both registers
            // one x86 register).
            for copy in testCase.sunk {
                #expect(sinking.instructionOffsets[copy] == sinking.instructionOffsets[copy + 1], "\(options.registerMap)")
            }
            #expect((sinking.machineCode == plain.machineCode) == testCase.sunk.isEmpty, "\(options.registerMap)")
            for copy in testCase.kept where plain.instructionOffsets[copy] < plain.instructionOffsets[copy + 1] {
                #expect(sinking.instructionOffsets[copy] < sinking.instructionOffsets[copy + 1], "\(options.registerMap)")
            }
            for byte: UInt8 in [0, 1, 2, 5, 9, 10, 200] {
                let memory = [byte] + [UInt8](repeating: 0, count: 7)
                var expected = memory, a = memory, b = memory
                let reference = Result { () throws(ExecutionTrap) in try interpreter.run(&expected) }
                #expect(Result { () throws(ExecutionTrap) in try sinking.run(&a) } == reference, "byte \(byte)")
                #expect(Result { () throws(ExecutionTrap) in try plain.run(&b) } == reference, "byte \(byte)")
            }
        }
    }

    /// sort's inner loop by hand: byte 0 = v leaves when v > j - 1, with R3 = j (the taken way),
    /// or after j reaches 0 with R3 = 0 (the fall-through); R0 = iterations · 100 + R3.
    @Test(arguments: [(UInt8(9), UInt64(109)), (5, 505), (0, 1000), (200, 10)])
    func sortShapeLeavesByBothWays(byte: UInt8, expected: UInt64) throws {
        let program = try Assembler.assemble(Self.sortShape)
        let compiled = try JIT.compile(program, helpers: .conformance, facts: try Self.facts(program),
                                       options: JITOptions(sinksCopies: true))
        var memory = [byte] + [UInt8](repeating: 0, count: 7)
        #expect(try compiled.run(&memory) == expected)
    }

    /// Unverified, with the budget counted: the copies still move (the code between them and
    /// their jumps cannot trap), and a budget trap inside the loop comes at the interpreter's
    /// instruction and count (each moved copy is counted where it stood).
    @Test(arguments: [UInt64(7), 20, 33, 50, 1_000])
    func budgetCountIsTheInterpreters(budget: UInt64) throws {
        let program = try Assembler.assemble(Self.sortShape)
        let limits = ExecutionLimits(instructionBudget: budget)
        let interpreter = Interpreter(program: program, helpers: .conformance, limits: limits)
        for var options in JITConfigurations.all {
            options.sinksCopies = true
            let compiled = try JIT.compile(program, helpers: .conformance, limits: limits, options: options)
            #expect(compiled.instructionOffsets[8] == compiled.instructionOffsets[9])
            for byte: UInt8 in [0, 5, 200] {
                var a = [byte] + [UInt8](repeating: 0, count: 7), b = a
                let expected = Result { () throws(ExecutionTrap) in try interpreter.run(&a) }
                #expect(Result { () throws(ExecutionTrap) in try compiled.run(&b) } == expected, "budget \(budget), byte \(byte)")
            }
        }
    }
}
