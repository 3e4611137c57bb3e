import EBPFAssembler
import EBPFCore
import EBPFInterpreter
import Testing

@Suite("Traps")
struct TrapTests {
    // MARK: Out-of-bounds accesses

    @Test func readPastTheEndOfMemory() throws {
        let run = try record("mov %r0, 0\nldxw %r0, [%r1+13]\nexit", memory: [UInt8](repeating: 1, count: 16))
        #expect(run.outcome == .failure(.outOfBounds(pc: 1, address: run.memoryBase + 13, size: 4, isWrite: false)))
    }

    @Test func lastBytesOfMemoryAreReadable() throws {
        let run = try record("ldxw %r0, [%r1+12]\nexit", memory: [UInt8](repeating: 1, count: 16))
        #expect(run.outcome == .success(0x0101_0101))
    }

    @Test func writeBeforeMemory() throws {
        let run = try record("stb [%r1-1], 1\nexit", memory: [UInt8](repeating: 1, count: 16))
        #expect(run.outcome == .failure(.outOfBounds(pc: 0, address: run.memoryBase &- 1, size: 1, isWrite: true)))
    }

    @Test func readAboveTheStack() throws {
        let run = try record("ldxdw %r0, [%r10-4]\nexit")
        #expect(run.outcome == .failure(.outOfBounds(pc: 0, address: run.stackTop - 4, size: 8, isWrite: false)))
    }

    @Test func writeBelowTheStack() throws {
        let run = try record("mov %r0, 0\nstxw [%r10-4097], %r0\nexit")
        #expect(run.outcome == .failure(.outOfBounds(pc: 1, address: run.stackTop - 4097, size: 4, isWrite: true)))
    }

    @Test func emptyMemoryHasNoBytes() throws {
        let run = try record("ldxb %r0, [%r1]\nexit")
        #expect(run.outcome == .failure(.outOfBounds(pc: 0, address: 0, size: 1, isWrite: false)))
    }

    @Test func atomicsCountAsWrites() throws {
        let run = try record("mov %r2, 1\nlock fetch add32 [%r10+0], %r2\nexit")
        #expect(run.outcome == .failure(.outOfBounds(pc: 1, address: run.stackTop, size: 4, isWrite: true)))
    }

    @Test func addressArithmeticWrapsInsteadOfCrashing() throws {
        let run = try record("mov %r2, -1\nldxdw %r0, [%r2+2]\nexit")
        #expect(run.outcome == .failure(.outOfBounds(pc: 1, address: 1, size: 8, isWrite: false)))
    }

    // MARK: Budget

    /// `mov; loop: add; ja loop` runs 1 + 2k instructions after k iterations; the budget is
    /// checked after each taken `ja`, so with a budget of 100 it stops at 101, at the `ja`.
    @Test func infiniteLoopExhaustsTheBudget() throws {
        let outcome = try run("mov %r0, 0\nadd %r0, 1\nja -2", limits: ExecutionLimits(instructionBudget: 100))
        #expect(outcome == .failure(.budgetExhausted(pc: 2, executed: 101)))
    }

    @Test func selfLoopIsABackEdge() throws {
        let outcome = try run("ja -1", limits: ExecutionLimits(instructionBudget: 10))
        #expect(outcome == .failure(.budgetExhausted(pc: 0, executed: 11)))
    }

    /// The budget is only checked on taken back-edges: this program runs 7 instructions, with its
    /// one taken back-edge at count 3, so a budget of 3 lets it finish and 2 stops it there.
    @Test func budgetIsCheckedOnlyOnTakenBackEdges() throws {
        let source = "mov %r1, 2\nsub %r1, 1\njne %r1, 0, -2\nmov %r0, 9\nexit"
        let enough = try record(source, limits: ExecutionLimits(instructionBudget: 3))
        #expect(enough.outcome == .success(9))
        #expect(enough.executed == 7)
        let short = try record(source, limits: ExecutionLimits(instructionBudget: 2))
        #expect(short.outcome == .failure(.budgetExhausted(pc: 2, executed: 3)))
    }

    @Test func gotolBackEdgeIsChecked() throws {
        let outcome = try run("mov %r0, 0\nja32 -2", limits: ExecutionLimits(instructionBudget: 5))
        // mov, ja32 (2), mov, ja32 (4), mov, ja32 (6 > 5) at index 1.
        #expect(outcome == .failure(.budgetExhausted(pc: 1, executed: 6)))
    }

    // MARK: Calls

    /// The entry calls a function that calls itself `r1` more times: 1 + 1 + 6 = 8 frames is the
    /// deepest allowed chain; one more call traps at the call inside the function (index 5).
    @Test(arguments: [(6, true), (7, false)])
    func callDepth(nestedCalls: Int, fits: Bool) throws {
        let source = """
            mov %r1, \(nestedCalls)
            call local function
            exit
            function:
            jeq %r1, 0, done
            sub %r1, 1
            call local function
            done:
            mov %r0, 42
            exit
            """
        let outcome = try run(source)
        #expect(outcome == (fits ? .success(42) : .failure(.callDepthExceeded(pc: 5, depth: 8))))
    }

    @Test func unknownHelper() throws {
        #expect(try run("mov %r0, 0\ncall 99\nexit", helpers: .conformance) == .failure(.unknownHelper(pc: 1, id: 99)))
    }

    @Test func callxWithAnUnknownId() throws {
        #expect(try run("mov %r3, -3\ncall %r3\nexit", helpers: .conformance) == .failure(.unknownHelper(pc: 1, id: -3)))
    }

    /// callx takes the whole 64-bit register: 0x1_0000_0005 is not helper 5.
    @Test func callxIdIsNotTruncated() throws {
        let outcome = try run("\(lddw("%r3", 0x1_0000_0005))\ncall %r3\nexit", helpers: .conformance)
        #expect(outcome == .failure(.unknownHelper(pc: 2, id: 0x1_0000_0005)))
    }

    // MARK: Control leaving the program

    @Test func fallingOffTheEnd() throws {
        let outcome = try run("mov %r0, 1")
        #expect(outcome == .failure(.fellOffEnd(programCount: 1)))
        #expect(outcome.failure?.pc == 1)
    }

    @Test func fallingOffAfterANotTakenJump() throws {
        let outcome = try run("mov %r0, 1\njeq %r0, 0, -2")
        #expect(outcome == .failure(.fellOffEnd(programCount: 2)))
    }

    // MARK: Legacy packet loads

    static let packet: [UInt8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]

    @Test(arguments: [
        ("ldabsb 0", 0x11), ("ldabsh 1", 0x2233), ("ldabsw 4", 0x5566_7788), ("ldabsb 7", 0x88),
        // Out of range: the program ends at once with R0 = 0 (the `mov` after it never runs).
        ("ldabsw 5", 0), ("ldabsh 7", 0), ("ldabsb 8", 0), ("ldabsw -1", 0),
        // ldind: the low 32 bits of src plus the immediate, an unsigned 32-bit sum.
        ("ldindh %r6, 1", 0x4455), ("ldindw %r7, 1", 0x2233_4455), ("ldindb %r8, 3", 0x33), ("ldindb %r6, 6", 0), ("ldindb %r6, 5", 0x88),
    ] as [(String, UInt64)])
    func legacyPacketLoad(_ instruction: String, _ expected: UInt64) throws {
        let source = """
            mov %r0, 99
            mov %r6, 2
            \(lddw("%r7", 0xffff_ffff_0000_0000))
            mov32 %r8, -1
            \(instruction)
            ja +1
            mov %r0, 77
            exit
            """
        #expect(try result(source, memory: Self.packet) == expected)
    }
}

extension Result {
    /// The error, if this is a failure.
    var failure: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
}
