import Testing
import EBPF
import EBPFCore
import EBPFInterpreter
import EBPFTestSupport
@testable import EBPFJIT

/// Loop versioning for unverified programs (``LoopVersioning``): which loops get an unchecked
/// copy, and that every program, entering either copy, behaves exactly as in the interpreter
/// (result, or the same trap at the same instruction) under every register map.
@Suite struct LoopVersioningTests {
    /// Sum of the bytes `[R1 + 8 + k]` for `k = 0…n-1`, `n` in R6, set up by `prelude`, the loop
    /// tested at its head (`jge`).
    static func headTested(_ prelude: String, offset: Int = 8) -> String {
        """
        \(prelude)
        mov %r0, 0
        mov %r3, 0
        head: jge %r3, %r6, done
        mov %r4, %r1
        add %r4, %r3
        ldxb %r5, [%r4+\(offset)]
        add %r0, %r5
        add %r3, 1
        ja head
        done: exit
        """
    }

    /// The same sum as clang lays it out: tested at the bottom on the next counter (`jlt`).
    static func bottomTested(_ prelude: String) -> String {
        """
        \(prelude)
        mov %r0, 0
        jeq %r6, 0, done
        mov %r3, 0
        head: mov %r4, %r1
        add %r4, %r3
        ldxb %r5, [%r4+8]
        add %r0, %r5
        add %r3, 1
        jlt %r3, %r6, head
        done: exit
        """
    }

    /// str_compare's inner loop: bytes of `[R1 + k]` and `[R1 + 16 + k]` compared for k = start…15
    /// (`jne` on the counter), leaving at the first difference or at a zero byte; R0 = 1 + the
    /// index where it stopped.
    static func compare(start: Int) -> String {
        """
        mov %r6, %r1
        add %r6, 16
        mov %r9, \(start)
        ja body
        next: jeq32 %r3, 0, equal
        mov %r9, %r8
        add %r9, 1
        jne %r8, 15, body
        equal: mov %r0, 99
        exit
        body: mov %r8, %r9
        mov %r7, %r1
        add %r7, %r8
        mov %r3, %r6
        add %r3, %r8
        ldxb %r2, [%r3]
        ldxb %r3, [%r7]
        jeq32 %r3, %r2, next
        mov %r0, %r8
        add %r0, 1
        exit
        """
    }

    /// Bytes 0…n-1, with the length word at the front for the programs that read it there.
    static func memory(_ count: Int, header: UInt64? = nil) -> [UInt8] {
        var bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) }
        if let header { for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: header >> (8 * UInt64(i))) } }
        return bytes
    }

    static func sum(_ memory: [UInt8], from: Int, count: Int) -> UInt64 {
        memory[from..<from + count].reduce(0) { $0 + UInt64($1) }
    }

    /// The little-endian 8-byte words of `memory`.
    static func words(_ memory: [UInt8]) -> [UInt64] {
        stride(from: 0, to: memory.count - 7, by: 8).map { start in
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(memory[start + $1]) << (8 * UInt64($1)) }
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let source: String
        let memory: [UInt8]
        /// The result, or nil for an out-of-bounds trap.
        let expected: UInt64?
        var testDescription: String { name }
    }

    static let mem = memory(40)
    static let lengthInMemory = memory(40, header: 32)

    static let cases: [Case] = [
        // Length in R2: the loop covers bytes 8…len-1.
        Case(name: "head-tested, length in R2, in bounds", source: headTested("mov %r6, %r2\nsub %r6, 8"), memory: mem,
             expected: sum(mem, from: 8, count: 32)),
        Case(name: "head-tested, one past the end at the last iteration", source: headTested("mov %r6, %r2\nsub %r6, 7"),
             memory: mem, expected: nil),
        Case(name: "head-tested, out of bounds at the first iteration", source: headTested("mov %r6, %r2", offset: 40),
             memory: mem, expected: nil),
        Case(name: "head-tested, no iteration", source: headTested("mov %r6, 0", offset: 400), memory: mem, expected: 0),
        Case(name: "bottom-tested, length in R2, in bounds", source: bottomTested("mov %r6, %r2\nsub %r6, 8"), memory: mem,
             expected: sum(mem, from: 8, count: 32)),
        Case(name: "bottom-tested, one past the end", source: bottomTested("mov %r6, %r2\nsub %r6, 7"), memory: mem,
             expected: nil),
        Case(name: "bottom-tested, constant bound", source: bottomTested("mov %r6, 5"), memory: mem,
             expected: sum(mem, from: 8, count: 5)),
        // Length in the input's first word, as a context field would hold it.
        Case(name: "length in the memory, in bounds", source: headTested("ldxdw %r6, [%r1]"), memory: lengthInMemory,
             expected: sum(lengthInMemory, from: 8, count: 32)),
        Case(name: "length in the memory, too large", source: headTested("ldxdw %r6, [%r1]"),
             memory: memory(40, header: 33), expected: nil),
        Case(name: "length in the memory, huge", source: headTested("ldxdw %r6, [%r1]"),
             memory: memory(40, header: 1 << 40), expected: nil),
        // Early exit: the bound lies beyond the memory, the loop leaves at a zero byte first.
        Case(name: "early exit before the end", source: """
             mov %r0, 0
             mov %r3, 0
             head: jge %r3, 1000, done
             mov %r4, %r1
             add %r4, %r3
             ldxb %r5, [%r4]
             jeq %r5, 0, done
             add %r0, %r5
             add %r3, 1
             ja head
             done: exit
             """, memory: [3, 4, 5, 0, 9], expected: 12),
        Case(name: "no zero byte before the end", source: """
             mov %r0, 0
             mov %r3, 0
             head: jge %r3, 1000, done
             mov %r4, %r1
             add %r4, %r3
             ldxb %r5, [%r4]
             jeq %r5, 0, done
             add %r0, %r5
             add %r3, 1
             ja head
             done: exit
             """, memory: [3, 4, 5, 9], expected: nil),
        // The str_compare loop (`jne` on the counter).
        Case(name: "compare equal halves", source: compare(start: 0),
             memory: Array(repeating: 5, count: 32), expected: 99),
        Case(name: "compare differing at 9", source: compare(start: 0),
             memory: (0..<32).map { $0 == 25 ? 1 : 5 }, expected: 10),
        Case(name: "compare, second half one byte short", source: compare(start: 0),
             memory: Array(repeating: 5, count: 31), expected: nil),
        Case(name: "compare, counter past the bound wraps into a trap", source: compare(start: 16),
             memory: Array(repeating: 5, count: 64), expected: nil),
        Case(name: "compare starting at 15", source: compare(start: 15), memory: Array(repeating: 5, count: 32), expected: 99),
        // Stores through the counter: fill bytes 0…len-1, then read the last back.
        Case(name: "store loop, in bounds", source: """
             mov %r3, 0
             head: stb [%r1+0], 0
             mov %r4, %r1
             add %r4, %r3
             stb [%r4+0], 42
             add %r3, 1
             jlt %r3, %r2, head
             mov %r4, %r1
             add %r4, %r2
             ldxb %r0, [%r4-1]
             exit
             """, memory: memory(16), expected: 42),
        // 8-byte steps: a pointer stepped with the counter (stride 8).
        Case(name: "pointer and counter, 8-byte words", source: """
             mov %r0, 0
             mov %r3, 0
             mov %r6, %r2
             rsh %r6, 3
             mov %r4, %r1
             head: ldxdw %r5, [%r4]
             add %r0, %r5
             add %r4, 8
             add %r3, 1
             jlt %r3, %r6, head
             exit
             """, memory: memory(24), expected: words(memory(24)).reduce(0, &+)),
        Case(name: "signed bound", source: """
             mov %r0, 0
             mov %r3, 0
             head: mov %r4, %r1
             add %r4, %r3
             ldxb %r5, [%r4]
             add %r0, %r5
             add %r3, 1
             jslt %r3, %r2, head
             exit
             """, memory: mem, expected: sum(mem, from: 0, count: 40)),
        Case(name: "32-bit bound", source: """
             mov %r0, 0
             mov %r3, 0
             head: mov %r4, %r1
             add %r4, %r3
             ldxb %r5, [%r4]
             add %r0, %r5
             add %r3, 1
             jlt32 %r3, %r2, head
             exit
             """, memory: mem, expected: sum(mem, from: 0, count: 40)),
    ]

    @Test(arguments: cases)
    func behavesLikeTheInterpreter(_ testCase: Case) throws {
        let program = try Assembler.assemble(testCase.source)
        let outcome = TrapTests.outcome(program.instructions, memory: testCase.memory, budget: 100_000)
        switch testCase.expected {
        case .some(let expected):
            #expect(outcome == .success(expected))
        case .none:
            guard case .failure(.outOfBounds) = outcome else {
                Issue.record("expected an out-of-bounds trap, got \(outcome)")
                return
            }
        }
    }

    /// A versioned loop inside an endless one, left at its bound or at a zero byte: the budget
    /// runs out at some point in or after it, and the trap (instruction and count executed) must
    /// be the interpreter's whether the fast copy (which counts at its exits) or the checked one ran.
    static let endless = """
        mov %r0, 0
        outer: mov %r3, 0
        inner: mov %r4, %r1
        add %r4, %r3
        ldxb %r5, [%r4]
        jeq %r5, 0, found
        add %r0, %r5
        add %r3, 1
        jlt %r3, 16, inner
        found: add %r0, 1
        ja outer
        """

    @Test(arguments: [40, 97, 100, 101, 136, 137, 138, 500, 1_000, 1_001, 4_999])
    func budgetTrapsAtTheSameInstruction(_ budget: Int) throws {
        let program = try Assembler.assemble(Self.endless)
        for memory in [Self.memory(16), (0..<16).map { UInt8($0 == 9 ? 0 : $0 + 1) }] {
            let outcome = TrapTests.outcome(program.instructions, memory: memory, budget: UInt64(budget))
            guard case .failure(.budgetExhausted) = outcome else {
                Issue.record("expected the budget to run out, got \(outcome)")
                continue
            }
        }
        let analysis = ProgramAnalysis(program)
        let loop = try #require(LoopVersioning(analysis, checks: AddressAnalysis(analysis).checks).loops.first)
        #expect(loop.counting?.perIteration == 7)
    }

    /// The loops the analysis versions, and what it found in them.
    @Test func findsTheCompareLoop() throws {
        let program = try Assembler.assemble(Self.compare(start: 0))
        let analysis = ProgramAnalysis(program)
        let versioning = LoopVersioning(analysis, checks: AddressAnalysis(analysis).checks)
        try #require(versioning.loops.count == 1)
        let loop = versioning.loops[0]
        #expect(loop.counter == 9)
        #expect(loop.bound == .notEqual(last: 15))
        #expect(loop.accesses.map(\.pc) == [15, 16])
        #expect(loop.accesses.allSatisfy { $0.stride == 1 && !$0.afterHeadTest })
    }

    @Test func findsTheHeadTestedLoop() throws {
        let program = try Assembler.assemble(Self.headTested("mov %r6, %r2"))
        let analysis = ProgramAnalysis(program)
        let loop = try #require(LoopVersioning(analysis, checks: AddressAnalysis(analysis).checks).loops.first)
        #expect(loop.counter == 3)
        #expect(loop.bound == .below(register: 6, constant: 0, adjust: 0))
        #expect(loop.accesses.count == 1 && loop.accesses[0].afterHeadTest && loop.accesses[0].displacement == 8, "\(loop)")
    }

    /// Loops it must leave alone.
    @Test(arguments: [
        // A helper call in the loop.
        "mov %r6, %r1\nmov %r7, 0\nhead: mov %r4, %r6\nadd %r4, %r7\nldxb %r0, [%r4]\nmov %r1, %r7\ncall 5\nadd %r7, 1\njlt %r7, 8, head\nexit",
        // The counter steps by 2.
        "mov %r3, 0\nhead: mov %r4, %r1\nadd %r4, %r3\nldxb %r0, [%r4]\nadd %r3, 2\njlt %r3, 8, head\nexit",
        // The bound changes in the loop.
        "mov %r3, 0\nhead: mov %r4, %r1\nadd %r4, %r3\nldxb %r0, [%r4]\nadd %r3, 1\nsub %r2, 1\njlt %r3, %r2, head\nexit",
        // The index is loaded, not stepped.
        "mov %r3, 0\nhead: ldxb %r6, [%r1]\nmov %r4, %r1\nadd %r4, %r6\nldxb %r0, [%r4]\nadd %r3, 1\njlt %r3, 8, head\nexit",
        // Counting down: no upper bound.
        "mov %r3, 8\nhead: mov %r4, %r1\nadd %r4, %r3\nldxb %r0, [%r4]\nsub %r3, 1\njne %r3, 0, head\nexit",
        // Stack accesses only (no input access to cover).
        "mov %r3, 0\nhead: stxdw [%r10-8], %r3\nadd %r3, 1\njlt %r3, 8, head\nexit",
    ])
    func leavesAlone(_ source: String) throws {
        let program = try Assembler.assemble(source)
        let analysis = ProgramAnalysis(program)
        #expect(LoopVersioning(analysis, checks: AddressAnalysis(analysis).checks).loops.isEmpty)
        // And runs as before.
        let memory = Self.memory(64)
        _ = TrapTests.outcome(program.instructions, memory: memory, budget: 10_000)
    }

    /// Random loops around the bounds: start, bound, displacement, memory size and test vary;
    /// the JIT (versioned or not) must agree with the interpreter on every one, under every register map
    /// (``TrapTests/outcome``), and the versioned and unversioned code must agree with each other.
    @Test func randomLoopsAgree() throws {
        var generator = SplitMix64(seed: 0x100b_5e75)
        let conditions = ["jlt", "jle", "jslt", "jsle", "jne", "jlt32", "jle32", "jne32"]
        var versionedCount = 0
        for _ in 0..<120 {
            let size = Int(generator.next() % 48)
            let start = Int(generator.next() % 24)
            let bound = Int(generator.next() % 64) - 8
            let displacement = Int(generator.next() % 16) - 4
            let condition = conditions[Int(generator.next() % UInt64(conditions.count))]
            let boundInRegister = generator.next() % 2 == 0
            let width = ["ldxb", "ldxh", "ldxw", "ldxdw"][Int(generator.next() % 4)]
            let limit = boundInRegister ? "%r6" : "\(bound)"
            let source = """
                mov %r6, \(bound)
                mov %r0, 0
                mov %r3, \(start)
                head: mov %r4, %r1
                add %r4, %r3
                \(width) %r5, [%r4\(displacement < 0 ? "" : "+")\(displacement)]
                add %r0, %r5
                add %r3, 1
                \(condition) %r3, \(limit), head
                exit
                """
            let program = try Assembler.assemble(source)
            let analysis = ProgramAnalysis(program)
            if !LoopVersioning(analysis, checks: AddressAnalysis(analysis).checks).loops.isEmpty { versionedCount += 1 }
            let memory = Self.memory(size)
            _ = TrapTests.outcome(program.instructions, memory: memory, budget: 5_000)
            let limits = ExecutionLimits(instructionBudget: 5_000)
            let plain = try JIT.compile(program, limits: limits, options: JITOptions(versionsLoops: false))
            let versioned = try JIT.compile(program, limits: limits)
            let (first, second) = Self.runBoth(plain, versioned, memory)
            #expect(first == second, "\(source)")
        }
        #expect(versionedCount > 50)
    }

    /// Runs both programs over one buffer (refilled from `memory` before each run), so the
    /// addresses their traps report compare equal.
    static func runBoth(_ first: CompiledProgram, _ second: CompiledProgram, _ memory: [UInt8])
        -> (Result<UInt64, ExecutionTrap>, Result<UInt64, ExecutionTrap>) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(memory.count, 1), alignment: 16)
        defer { buffer.deallocate() }
        let view = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<memory.count])
        func observe(_ compiled: CompiledProgram) -> Result<UInt64, ExecutionTrap> {
            buffer.copyBytes(from: memory)
            do throws(ExecutionTrap) { return .success(try compiled.run(memory: view, stack: nil)) } catch { return .failure(error) }
        }
        return (observe(first), observe(second))
    }
}
