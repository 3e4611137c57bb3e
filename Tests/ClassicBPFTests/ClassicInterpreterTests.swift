import Testing
import ClassicBPF

/// The reference interpreter against values worked out by hand from the classic BPF rules.
@Suite struct ClassicInterpreterTests {
    static func i(_ code: UInt16, _ jt: UInt8 = 0, _ jf: UInt8 = 0, _ k: UInt32 = 0) -> ClassicInstruction {
        ClassicInstruction(code: code, jumpIfTrue: jt, jumpIfFalse: jf, k: k)
    }

    static let packet: [UInt8] = [0x45, 0x00, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x0f, 0xf0]

    /// (program, packet, wire length, expected result)
    static let cases: [([ClassicInstruction], UInt32?, UInt32)] = [
        ([i(0x20, 0, 0, 4), i(0x16)], nil, 0xdead_beef),  // ld [4], big-endian
        ([i(0x28, 0, 0, 2), i(0x16)], nil, 0x1234),  // ldh [2]
        ([i(0x30, 0, 0, 9), i(0x16)], nil, 0xf0),  // ldb [9], the last byte
        ([i(0x28, 0, 0, 9), i(0x16)], nil, 0),  // ldh [9] runs past the end: return 0
        ([i(0x20, 0, 0, 0xffff_fffe), i(0x16)], nil, 0),  // offset that would wrap
        ([i(0x01, 0, 0, 3), i(0x48, 0, 0, 1), i(0x16)], nil, 0xdead),  // ldh [x + 1], x = 3
        ([i(0x01, 0, 0, 0xffff_ffff), i(0x50, 0, 0, 2), i(0x16)], nil, 0),  // x + k past 2^32 is not wrapped
        ([i(0xb1, 0, 0, 0), i(0x87), i(0x16)], nil, 20),  // ldxb 4*([0]&0xf) = 4 * 5
        ([i(0x80), i(0x16)], 1500, 1500),  // len is the wire length
        ([i(0x81), i(0x87), i(0x16)], 64, 64),  // ldx len
        ([i(0x00, 0, 0, 7), i(0x01, 0, 0, 0), i(0x3c), i(0x06, 0, 0, 99)], nil, 0),  // div x, x = 0: return 0
        ([i(0x00, 0, 0, 7), i(0x01, 0, 0, 0), i(0x9c), i(0x06, 0, 0, 99)], nil, 0),  // mod x, x = 0: return 0
        ([i(0x00, 0, 0, 17), i(0x94, 0, 0, 5), i(0x16)], nil, 2),
        ([i(0x00, 0, 0, 1), i(0x01, 0, 0, 32), i(0x6c), i(0x16)], nil, 0),  // lsh x, x = 32 gives 0
        ([i(0x00, 0, 0, 0x8000_0000), i(0x01, 0, 0, 31), i(0x7c), i(0x16)], nil, 1),
        ([i(0x00, 0, 0, 5), i(0x84), i(0x16)], nil, 0xffff_fffb),  // neg
        ([i(0x00, 0, 0, 0xffff_ffff), i(0x04, 0, 0, 2), i(0x16)], nil, 1),  // add wraps at 32 bits
        ([i(0x00, 0, 0, 0x1_0001), i(0x24, 0, 0, 0x1_0001), i(0x16)], nil, 0x0002_0001),  // mul wraps
        ([i(0x00, 0, 0, 9), i(0x02, 0, 0, 3), i(0x00, 0, 0, 1), i(0x60, 0, 0, 3), i(0x16)], nil, 9),  // st/ld M[3]
        ([i(0x00, 0, 0, 5), i(0x25, 1, 0, 4), i(0x06, 0, 0, 1), i(0x06, 0, 0, 2)], nil, 2),  // jgt #4 taken
        ([i(0x00, 0, 0, 4), i(0x25, 1, 0, 4), i(0x06, 0, 0, 1), i(0x06, 0, 0, 2)], nil, 1),  // jgt #4 not taken
        ([i(0x00, 0, 0, 4), i(0x35, 1, 0, 4), i(0x06, 0, 0, 1), i(0x06, 0, 0, 2)], nil, 2),  // jge
        ([i(0x00, 0, 0, 6), i(0x45, 1, 0, 1), i(0x06, 0, 0, 1), i(0x06, 0, 0, 2)], nil, 1),  // jset #1 on 6
        ([i(0x00, 0, 0, 0xffff_ffff), i(0x01, 0, 0, 1), i(0x2d, 1, 0), i(0x06, 0, 0, 1), i(0x06, 0, 0, 2)], nil, 2),  // unsigned
        ([i(0x05, 0, 0, 1), i(0x06, 0, 0, 1), i(0x06, 0, 0, 2)], nil, 2),  // ja
        ([i(0x00, 0, 0, 1)], nil, 0),  // falls off the end (unchecked program)
        ([i(0x0e)], nil, 0),  // unknown code (unchecked program)
    ]

    @Test(arguments: cases)
    func computesTheClassicResult(program: [ClassicInstruction], wireLength: UInt32?, expected: UInt32) {
        #expect(ClassicInterpreter.run(ClassicProgram(program), packet: Self.packet, wireLength: wireLength) == expected)
    }

    @Test func seccompLoadsAreHostOrderWords() {
        let data = SeccompData(systemCallNumber: 257, instructionPointer: 0x1122_3344_5566_7788, arguments: [0, 0xaabb_ccdd_0000_0042])
        #expect(data.bytes.count == 64)
        let words: [(UInt32, UInt32)] = [
            (0, 257), (4, SeccompData.auditArchX86_64), (8, 0x5566_7788), (12, 0x1122_3344), (24, 0x42), (28, 0xaabb_ccdd), (60, 0),
        ]
        for (offset, expected) in words {
            let program = ClassicProgram([ClassicInstruction(code: 0x20, k: offset), ClassicInstruction(code: 0x16)])
            #expect(ClassicInterpreter.run(program, seccomp: data) == expected, "offset \(offset)")
        }
        let length = ClassicProgram([ClassicInstruction(code: 0x80), ClassicInstruction(code: 0x16)])
        #expect(ClassicInterpreter.run(length, seccomp: data) == 64)
    }
}
