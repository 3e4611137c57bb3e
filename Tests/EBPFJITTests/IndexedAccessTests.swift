import EBPF
import Testing

/// clang's array accesses (`[lsh i, k]; mov b, x; [add b, imm]; add b, i; ldx/stx/st [b+off]`)
/// lowered as one x86 access with a scaled index (`Lowering` + IndexedAccess): verified programs
/// whose result is written out by hand, the JIT agreeing with the interpreter under every test
/// configuration, and the group's later slots empty exactly where the rewrite must happen (a
/// group the rules refuse may still fuse from its `mov`, taking the already shifted index).
@Suite struct IndexedAccessTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let source: String
        /// The access.
        let access: Int
        /// The first slot of the group lowered as one access with it, or nil when the access keeps
        /// its own code.
        let fusedFrom: Int?
        /// R0 for input byte 0 = 2 (the rest of the 16 bytes zero).
        let expected: UInt64
        var testDescription: String { name }
    }

    /// Five words 11, 22, 33, 44, 55 at fp-64 ... fp-32; R2 = input byte 0 & 3 (slots 0–6).
    static let words = """
        stdw [%r10-64], 11
        stdw [%r10-56], 22
        stdw [%r10-48], 33
        stdw [%r10-40], 44
        stdw [%r10-32], 55
        ldxb %r2, [%r1+0]
        and %r2, 3

        """

    static let cases: [Case] = [
        Case(name: "load, scale 8, array offset", source: words + """
            lsh %r2, 3
            mov %r3, %r10
            add %r3, -64
            add %r3, %r2
            ldxdw %r0, [%r3+0]
            exit
            """, access: 11, fusedFrom: 7, expected: 33),
        Case(name: "load with an offset, into the index register", source: words + """
            lsh %r2, 3
            mov %r3, %r10
            add %r3, -64
            add %r3, %r2
            ldxdw %r2, [%r3+8]
            mov %r0, %r2
            exit
            """, access: 11, fusedFrom: 7, expected: 44),
        Case(name: "byte load without shift or array offset", source: """
            ldxb %r2, [%r1+0]
            and %r2, 7
            mov %r3, %r1
            add %r3, %r2
            ldxb %r0, [%r3+1]
            exit
            """, access: 4, fusedFrom: 2, expected: 0x30),
        Case(name: "store of an immediate, scale 4", source: """
            stdw [%r10-16], 0
            stdw [%r10-8], 0
            ldxb %r2, [%r1+0]
            and %r2, 3
            lsh %r2, 2
            mov %r3, %r10
            add %r3, -16
            add %r3, %r2
            stw [%r3+0], 0x01020304
            ldxdw %r0, [%r10-16]
            ldxdw %r4, [%r10-8]
            xor %r0, %r4
            exit
            """, access: 8, fusedFrom: 4, expected: 0x0102_0304),
        Case(name: "store of a register, scale 2", source: """
            stdw [%r10-16], 0
            ldxb %r2, [%r1+0]
            and %r2, 3
            mov %r5, 0x7788
            lsh %r2, 1
            mov %r3, %r10
            add %r3, -16
            add %r3, %r2
            stxh [%r3+0], %r5
            ldxdw %r0, [%r10-16]
            exit
            """, access: 8, fusedFrom: 4, expected: 0x7788_0000_0000),
        Case(name: "address read after the access (not fused)", source: words + """
            lsh %r2, 3
            mov %r3, %r10
            add %r3, -64
            add %r3, %r2
            ldxdw %r0, [%r3+0]
            ldxdw %r4, [%r3+8]
            add %r0, %r4
            exit
            """, access: 11, fusedFrom: nil, expected: 33 + 44),
        Case(name: "shifted index read after the access (the shift stays)", source: words + """
            lsh %r2, 3
            mov %r3, %r10
            add %r3, -64
            add %r3, %r2
            ldxdw %r0, [%r3+0]
            add %r0, %r2
            exit
            """, access: 11, fusedFrom: 8, expected: 33 + 16),
        Case(name: "stores the shifted index (the shift stays)", source: words + """
            lsh %r2, 3
            mov %r3, %r10
            add %r3, -64
            add %r3, %r2
            stxdw [%r3+0], %r2
            ldxdw %r0, [%r10-48]
            exit
            """, access: 11, fusedFrom: 8, expected: 16),
        Case(name: "shift by 4 (the shift stays)", source: words + """
            rsh %r2, 1
            lsh %r2, 4
            mov %r3, %r10
            add %r3, -64
            add %r3, %r2
            ldxdw %r0, [%r3+0]
            exit
            """, access: 12, fusedFrom: 9, expected: 33),
        Case(name: "index shifted and copied as the base (not fused)", source: words + """
            lsh %r2, 2
            mov %r3, %r2
            add %r3, %r10
            add %r3, %r2
            ldxdw %r0, [%r3-64]
            exit
            """, access: 11, fusedFrom: nil, expected: 33),
    ]

    @Test(arguments: cases)
    func indexedAccessComputesTheSame(_ testCase: Case) throws {
        let program = try Assembler.assemble(testCase.source)
        var memory = [UInt8](repeating: 0, count: 16)
        memory[0] = 2
        memory[3] = 0x30
        let verifier = Verifier(helpers: .conformance, options: VerifierOptions(loops: .bounded, contextSize: memory.count))
        let facts = try verifier.verify(program).facts
        #expect(facts.accessIsSafe[testCase.access])
        let interpreter = Interpreter(program: program, helpers: .conformance)
        var reference = memory
        #expect(try interpreter.run(&reference) == testCase.expected)
        for options in JITConfigurations.all {
            let compiled = try JIT.compile(program, helpers: .conformance, facts: facts, options: options)
            var bytes = memory
            #expect(try compiled.run(&bytes) == testCase.expected, "\(options.registerMap)")
            #expect(bytes == reference)
            let offsets = compiled.instructionOffsets
            let access = testCase.access
            if let first = testCase.fusedFrom {
                // The group's first slot does it all; its later slots are empty.
                #expect(offsets[first] < offsets[first + 1] && offsets[first + 1] == offsets[access + 1], "\(options.registerMap)")
            } else {
                #expect(offsets[access] < offsets[access + 1], "\(options.registerMap)")
            }
        }
    }

    /// Without facts the access through a computed pointer keeps its run-time check, so nothing
    /// is fused (the check needs the address in a register).
    @Test func checkedAccessIsNotFused() throws {
        let program = try Assembler.assemble(Self.cases[0].source)
        let compiled = try JIT.compile(program, helpers: .conformance)
        #expect(compiled.instructionOffsets[11] < compiled.instructionOffsets[12])
        var memory = [UInt8](repeating: 0, count: 16)
        memory[0] = 2
        #expect(try compiled.run(&memory) == 33)
    }
}
