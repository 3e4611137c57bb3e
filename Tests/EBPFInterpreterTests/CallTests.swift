import EBPFAssembler
import EBPFCore
import EBPFInterpreter
import Testing

/// 32 bytes a helper hands out to programs; a C function cannot capture context, so it lives in
/// a global. Tests only read and write their own copy of it through a program.
nonisolated(unsafe) let helperRegion: UnsafeMutableRawPointer = {
    let region = UnsafeMutableRawPointer.allocate(byteCount: 32, alignment: 16)
    region.initializeMemory(as: UInt8.self, repeating: 0, count: 32)
    return region
}()

enum TestHelpers {
    /// 1: a weighted sum of R1–R5, so a wrong argument order shows.
    static let weightedSum = HelperFunction(id: 1, name: "weighted_sum") { a, b, c, d, e in
        a &+ 10 &* b &+ 100 &* c &+ 1000 &* d &+ 10000 &* e
    }
    /// 2: a pointer to 16 bytes of ``helperRegion`` when R1 is non-zero, else null.
    static let region = HelperFunction(
        id: 2, name: "region", signature: HelperSignature(arguments: [.scalar], returns: .memoryOrNull(size: 16))
    ) { flag, _, _, _, _ in
        flag == 0 ? 0 : UInt64(UInt(bitPattern: helperRegion))
    }
    /// 3: the same pointer, declared as a scalar: the program may not use it as memory.
    static let regionAsScalar = HelperFunction(id: 3, name: "region_as_scalar") { _, _, _, _, _ in
        UInt64(UInt(bitPattern: helperRegion))
    }

    static let registry = HelperRegistry([weightedSum, region, regionAsScalar])
}

@Suite("Calls")
struct CallTests {
    static let setArguments = "mov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5"

    @Test func helperGetsR1ToR5() throws {
        #expect(try result("\(Self.setArguments)\ncall 1\nexit", helpers: TestHelpers.registry) == 54321)
    }

    @Test func callxCallsTheHelperNamedByTheRegister() throws {
        #expect(try result("\(Self.setArguments)\nmov %r7, 1\ncall %r7\nexit", helpers: TestHelpers.registry) == 54321)
    }

    @Test func conformanceHelperFiveIsIdentity() throws {
        #expect(try result("mov %r1, 77\ncall 5\nexit", helpers: .conformance) == 77)
    }

    /// A region returned by a `memoryOrNull` helper is accessible for its 16 bytes and no further.
    @Test func helperRegionIsAccessible() throws {
        let ok = try record(
            "mov %r1, 1\ncall 2\nstdw [%r0+8], 0x1234\nldxdw %r0, [%r0+8]\nexit", helpers: TestHelpers.registry)
        #expect(ok.outcome == .success(0x1234))

        let base = UInt64(UInt(bitPattern: helperRegion))
        let past = try record("mov %r1, 1\ncall 2\nldxw %r0, [%r0+13]\nexit", helpers: TestHelpers.registry)
        #expect(past.outcome == .failure(.outOfBounds(pc: 2, address: base + 13, size: 4, isWrite: false)))
    }

    @Test func regionsAreForgottenBetweenRuns() throws {
        let base = UInt64(UInt(bitPattern: helperRegion))
        let interpreter = Interpreter(program: try Assembler.assemble(
            "jeq %r2, 0, +2\nmov %r1, 1\ncall 2\n\(lddw("%r3", base))\nldxb %r0, [%r3]\nexit"), helpers: TestHelpers.registry)
        var withCall: [UInt8] = [1]
        #expect(throws: Never.self) { try interpreter.run(&withCall) }
        var withoutCall: [UInt8] = []
        #expect(throws: ExecutionTrap.outOfBounds(pc: 5, address: base, size: 1, isWrite: false)) {
            try interpreter.run(&withoutCall)
        }
    }

    @Test func nullOrScalarResultsGiveNoRegion() throws {
        let null = try run("mov %r1, 0\ncall 2\nldxb %r0, [%r0]\nexit", helpers: TestHelpers.registry)
        #expect(null == .failure(.outOfBounds(pc: 2, address: 0, size: 1, isWrite: false)))
        let scalar = try run("call 3\nldxb %r0, [%r0]\nexit", helpers: TestHelpers.registry)
        #expect(scalar == .failure(.outOfBounds(pc: 1, address: UInt64(UInt(bitPattern: helperRegion)), size: 1, isWrite: false)))
    }

    /// The callee clobbers R6–R9 and its own stack slot; the caller sees its values again, and the
    /// callee's R10 is 512 below the caller's. Results go to the input memory.
    @Test func localCallPreservesR6ToR9AndGetsItsOwnFrame() throws {
        let source = """
            mov %r6, 6
            mov %r7, 7
            mov %r8, 8
            mov %r9, 9
            stdw [%r10-8], 111
            call local function
            stxdw [%r1+0], %r6
            stxdw [%r1+8], %r7
            stxdw [%r1+16], %r8
            stxdw [%r1+24], %r9
            ldxdw %r2, [%r10-8]
            stxdw [%r1+32], %r2
            mov %r2, %r10
            sub %r2, %r0
            stxdw [%r1+40], %r2
            mov %r0, 0
            exit
            function:
            mov %r6, 60
            mov %r7, 70
            mov %r8, 80
            mov %r9, 90
            stdw [%r10-8], 222
            mov %r0, %r10
            exit
            """
        let run = try record(source, memory: [UInt8](repeating: 0, count: 48))
        #expect(run.outcome == .success(0))
        let words = (0..<6).map { index in
            run.memory[(index * 8)..<(index * 8 + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
        #expect(words == [6, 7, 8, 9, 111, 512])
        // The callee's slot is 512 bytes further down the stack area.
        #expect(run.stack[4096 - 512 - 8] == 222)
    }

    @Test func instructionCountIncludesCallsOnce() throws {
        // lddw (1) + call helper (1) + call local (1) + callee mov, exit (2) + exit (1) = 6.
        let run = try record("\(lddw("%r1", 5))\ncall 5\ncall local function\nexit\nfunction:\nmov %r0, 3\nexit", helpers: .conformance)
        #expect(run.outcome == .success(3))
        #expect(run.executed == 6)
    }
}
