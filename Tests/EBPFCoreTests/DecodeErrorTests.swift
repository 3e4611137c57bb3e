import EBPFCore
import Testing

/// Little-endian bytes of 64-bit instruction words (lowest byte = opcode).
private func bytes(_ words: [UInt64]) -> [UInt8] {
    words.flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
}

@Suite("Program(decoding:) errors")
struct DecodeErrorTests {
    @Test(arguments: [
        // exit, then an opcode byte in no table row.
        ([0x95, 0xff], DecodeError.unknownOpcode(index: 1, opcode: 0xff)),
        ([0x00], .unknownOpcode(index: 0, opcode: 0x00)),
        // exit with dst = 1.
        ([0x0000_0000_0000_0195], .reservedField(index: 0, opcode: 0x95, field: .dst, value: 1)),
        // add %r1, imm with src = 1.
        ([0x0000_0005_0000_1107], .reservedField(index: 0, opcode: 0x07, field: .src, value: 1)),
        // add %r1, %r2 with offset 2.
        ([0x0000_0000_0002_210f], .reservedField(index: 0, opcode: 0x0f, field: .offset, value: 2)),
        // div %r1, %r2 with offset 2 (offset 1 would be sdiv).
        ([0x0000_0000_0002_213f], .reservedField(index: 0, opcode: 0x3f, field: .offset, value: 2)),
        // neg %r1 with immediate 5.
        ([0x0000_0005_0000_0187], .reservedField(index: 0, opcode: 0x87, field: .immediate, value: 5)),
        // le with width 17.
        ([0x0000_0011_0000_01d4], .reservedField(index: 0, opcode: 0xd4, field: .immediate, value: 17)),
        // lddw with src 7 (no such LoadImmediateKind).
        ([0x0000_0000_0000_7018, 0], .reservedField(index: 0, opcode: 0x18, field: .src, value: 7)),
        // mov %r11, 1.
        ([0x95, 0x0000_0001_0000_0bb7], .invalidRegister(index: 1, field: .dst, register: 11)),
        // mov %r1, %r11.
        ([0x0000_0000_0000_b1bf], .invalidRegister(index: 0, field: .src, register: 11)),
        // lddw as the last slot.
        ([0x95, 0x0000_0001_0000_0018], .missingWideSecondHalf(index: 1)),
        // lddw whose second slot is an exit.
        ([0x0000_0001_0000_0018, 0x95], .malformedWideSecondHalf(index: 0)),
    ] as [([UInt64], DecodeError)])
    func rejectsMalformedSlots(words: [UInt64], expected: DecodeError) {
        let error = #expect(throws: DecodeError.self) { try Program(decoding: bytes(words)) }
        #expect(error == expected)
        #expect(error?.index == expected.index)
    }

    @Test(arguments: [1, 7, 9, 15])
    func rejectsATruncatedProgram(byteCount: Int) {
        let input = Array(bytes([0x95, 0x95]).prefix(byteCount))
        let error = #expect(throws: DecodeError.self) { try Program(decoding: input) }
        let wholeSlots = byteCount / 8 * 8
        #expect(error == .truncated(byteOffset: wholeSlots, byteCount: byteCount))
        #expect(error?.index == byteCount / 8)
    }

    @Test func decodesAWellFormedProgram() throws {
        // lddw %r0, 0x1122334455667788; exit
        let program = try Program(decoding: bytes([0x5566_7788_0000_0018, 0x1122_3344_0000_0000, 0x95]))
        #expect(program.count == 3)
        #expect(program.wideImmediate(at: 0) == 0x1122_3344_5566_7788)
        #expect(program.bytes == bytes([0x5566_7788_0000_0018, 0x1122_3344_0000_0000, 0x95]))
        #expect(try Program(decoding: [UInt8]()).count == 0)
    }
}
