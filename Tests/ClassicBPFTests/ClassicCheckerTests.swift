import Testing
import ClassicBPF

@Suite struct ClassicCheckerTests {
    static func i(_ code: UInt16, _ jt: UInt8 = 0, _ jf: UInt8 = 0, _ k: UInt32 = 0) -> ClassicInstruction {
        ClassicInstruction(code: code, jumpIfTrue: jt, jumpIfFalse: jf, k: k)
    }

    static let retK = i(0x06, 0, 0, 1)

    /// (program, kind, expected error) — each breaks exactly one rule.
    static let rejected: [([ClassicInstruction], ClassicFilterKind, ClassicCheckError)] = [
        ([], .socketFilter, .empty),
        (Array(repeating: retK, count: 4097), .socketFilter, .tooLong(count: 4097)),
        ([i(0x0e), retK], .socketFilter, .unknownOpcode(index: 0, code: 0x0e)),
        ([i(0x0e, 0, 0, 0).withCode(0x106), retK], .socketFilter, .unknownOpcode(index: 0, code: 0x106)),
        ([i(0x34, 0, 0, 0), retK], .socketFilter, .divisionByZero(index: 0)),
        ([i(0x94, 0, 0, 0), retK], .socketFilter, .divisionByZero(index: 0)),
        ([i(0x64, 0, 0, 32), retK], .socketFilter, .shiftOutOfRange(index: 0, amount: 32)),
        ([i(0x74, 0, 0, 40), retK], .socketFilter, .shiftOutOfRange(index: 0, amount: 40)),
        ([i(0x02, 0, 0, 16), retK], .socketFilter, .scratchIndexOutOfRange(index: 0, slot: 16)),
        ([i(0x05, 0, 0, 1), retK], .socketFilter, .jumpOutOfRange(index: 0, target: 2)),
        ([i(0x15, 0, 1, 0), retK], .socketFilter, .jumpOutOfRange(index: 0, target: 2)),
        ([i(0x15, 5, 0, 0), retK], .socketFilter, .jumpOutOfRange(index: 0, target: 6)),
        ([retK, i(0x00, 0, 0, 1)], .socketFilter, .missingReturn(index: 1)),
        ([i(0x60, 0, 0, 3), i(0x16)], .socketFilter, .scratchReadBeforeWrite(index: 0, slot: 3)),
        // Stored on one branch only: the join may read an unwritten word.
        ([i(0x15, 0, 1, 7), i(0x02, 0, 0, 2), i(0x61, 0, 0, 2), i(0x16)], .socketFilter, .scratchReadBeforeWrite(index: 2, slot: 2)),
        ([i(0x20, 0, 0, 0xffff_f000), retK], .socketFilter, .ancillaryLoad(index: 0, offset: 0xffff_f000)),
        ([i(0x28, 0, 0, 0), retK], .seccomp, .notAllowedInSeccomp(index: 0, code: 0x28)),
        ([i(0x40, 0, 0, 0), retK], .seccomp, .notAllowedInSeccomp(index: 0, code: 0x40)),
        ([i(0xb1, 0, 0, 0), retK], .seccomp, .notAllowedInSeccomp(index: 0, code: 0xb1)),
        ([i(0x94, 0, 0, 3), retK], .seccomp, .notAllowedInSeccomp(index: 0, code: 0x94)),
        ([i(0x20, 0, 0, 64), retK], .seccomp, .seccompOffset(index: 0, offset: 64)),
        ([i(0x20, 0, 0, 2), retK], .seccomp, .seccompOffset(index: 0, offset: 2)),
    ]

    @Test(arguments: rejected)
    func rejectsEachRule(program: [ClassicInstruction], kind: ClassicFilterKind, expected: ClassicCheckError) {
        #expect(throws: expected) { try ClassicChecker.check(ClassicProgram(program), kind: kind) }
    }

    /// Programs on the edge of each rule.
    static let accepted: [([ClassicInstruction], ClassicFilterKind)] = [
        (Array(repeating: retK, count: 4096), .socketFilter),
        ([i(0x64, 0, 0, 31), i(0x34, 0, 0, 1), i(0x3c), i(0x9c), retK], .socketFilter),
        ([i(0x02, 0, 0, 15), i(0x60, 0, 0, 15), i(0x16)], .socketFilter),
        // Stored on both branches before the join.
        ([i(0x15, 2, 0, 7), i(0x03, 0, 0, 4), i(0x05, 0, 0, 1), i(0x02, 0, 0, 4), i(0x60, 0, 0, 4), i(0x16)], .socketFilter),
        // The read is only reachable through the branch that stores.
        ([i(0x15, 0, 2, 7), i(0x02, 0, 0, 9), i(0x60, 0, 0, 9), retK], .socketFilter),
        ([i(0x15, 0, 0, 0), retK], .socketFilter),
        ([i(0x20, 0, 0, 60), i(0x80), i(0x81), i(0x94, 0, 0, 3), retK], .socketFilter),
        ([i(0x20, 0, 0, 60), i(0x80), i(0x81), i(0x16)], .seccomp),
    ]

    @Test(arguments: accepted)
    func acceptsEdgeCases(program: [ClassicInstruction], kind: ClassicFilterKind) throws {
        try ClassicChecker.check(ClassicProgram(program), kind: kind)
    }

    @Test(arguments: Fixtures.names)
    func tcpdumpProgramsPass(name: String) throws {
        let program = try ClassicProgram(tcpdumpDD: Fixtures.text(name, "dd"))
        for kind in [ClassicFilterKind.socketFilter, .capturedPacket] {
            try ClassicChecker.check(program, kind: kind)
        }
        #expect(throws: ClassicCheckError.notAllowedInSeccomp(index: 0, code: 0x28)) {
            try ClassicChecker.check(program, kind: .seccomp)
        }
    }
}

extension ClassicInstruction {
    func withCode(_ code: UInt16) -> ClassicInstruction {
        var copy = self
        copy.code = code
        return copy
    }
}
