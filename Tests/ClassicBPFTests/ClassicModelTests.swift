import Testing
import ClassicBPF

@Suite struct ClassicModelTests {
    @Test func bytesRoundTripInHostOrder() throws {
        let instruction = ClassicInstruction(code: 0x15, jumpIfTrue: 3, jumpIfFalse: 7, k: 0x1122_3344)
        #expect(instruction.bytes == [0x15, 0x00, 3, 7, 0x44, 0x33, 0x22, 0x11])
        let program = try ClassicProgram(decoding: instruction.bytes + [0x06, 0, 0, 0, 0xff, 0xff, 0, 0])
        #expect(program.instructions == [instruction, ClassicInstruction(code: 0x06, k: 0xffff)])
        #expect(program.bytes.count == 16)
    }

    @Test(arguments: [1, 7, 9, 15])
    func truncatedBytesReportTheIncompleteInstruction(count: Int) {
        #expect(throws: ClassicDecodeError.truncated(byteOffset: count / 8 * 8, byteCount: count)) {
            try ClassicProgram(decoding: [UInt8](repeating: 0, count: count))
        }
    }

    /// Every code 0...0xff either decodes to an operation that encodes back to it, or is not a
    /// classic code; exactly the kernel's 49 codes decode
    /// (LD 9, LDX 4, ST/STX 2, ALU 21, JMP 9, RET 2, MISC 2).
    @Test func everyCodeRoundTripsThroughItsOperation() {
        var known = 0
        for code in UInt16(0)...0xff {
            guard let operation = ClassicInstruction(code: code).operation else { continue }
            known += 1
            #expect(operation.code == code)
        }
        #expect(known == ClassicOperation.allCases.count)
        #expect(known == 49)
        #expect(ClassicInstruction(code: 0x106).operation == nil)
    }

    @Test(arguments: Fixtures.names)
    func ddAndDddTextDescribeTheSameProgram(name: String) throws {
        let dd = try ClassicProgram(tcpdumpDD: Fixtures.text(name, "dd"))
        let ddd = try ClassicProgram(tcpdumpDDD: Fixtures.text(name, "ddd"))
        #expect(dd == ddd)
        #expect(dd.count == Fixtures.text(name, "d").split(separator: "\n").count)
        // Printing and parsing again gives the same program and the same text as tcpdump.
        #expect(try ClassicProgram(tcpdumpDD: dd.tcpdumpDD) == dd)
        #expect(dd.tcpdumpDD == Fixtures.text(name, "dd"))
        #expect(dd.tcpdumpDDD == Fixtures.text(name, "ddd"))
    }

    @Test(arguments: Fixtures.names)
    func disassemblyMatchesTcpdump(name: String) throws {
        let program = try ClassicProgram(tcpdumpDD: Fixtures.text(name, "dd"))
        #expect(ClassicDisassembler.text(of: program) == Fixtures.text(name, "d"))
    }

    @Test func iptablesBytecodeFormIsAccepted() throws {
        let program = try ClassicProgram(tcpdumpDDD: "4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0")
        #expect(program.instructions == [
            ClassicInstruction(code: 48, k: 9), ClassicInstruction(code: 21, jumpIfTrue: 0, jumpIfFalse: 1, k: 6),
            ClassicInstruction(code: 6, k: 1), ClassicInstruction(code: 6, k: 0),
        ])
    }

    @Test func negativeKIsTwosComplement() throws {
        let program = try ClassicProgram(tcpdumpDD: "{ 0x20, 0, 0, -4096 },")
        #expect(program.instructions[0].k == 0xffff_f000)
    }

    static let textErrors: [(String, Bool, ClassicDecodeError)] = [
        ("{ 0x28, 0, 0, 12 },\n{ 0x28, 0, 0 },", true, .malformedLine(line: 2, text: "{ 0x28, 0, 0 },", reason: "expected 4 fields, found 3")),
        ("\n  ldh [12]", true, .malformedLine(line: 2, text: "ldh [12]", reason: "expected '{ code, jt, jf, k }'")),
        ("{ 0x28, 0, zz, 12 }", true, .malformedLine(line: 1, text: "{ 0x28, 0, zz, 12 }", reason: "jf 'zz' is not a number")),
        ("{ 0x28, 256, 0, 12 }", true, .fieldOutOfRange(line: 1, field: "jt", value: "256")),
        ("{ 0x10000, 0, 0, 12 }", true, .fieldOutOfRange(line: 1, field: "code", value: "0x10000")),
        ("// nothing\n", true, .empty),
        ("2\n40 0 0 12\n", false, .countMismatch(declared: 2, found: 1)),
        ("x\n40 0 0 12\n", false, .malformedLine(line: 1, text: "x", reason: "expected the instruction count")),
        ("1\n40 0 12\n", false, .malformedLine(line: 2, text: "40 0 12", reason: "expected 'code jt jf k', found 3 fields")),
        ("1\n40 0 0 4294967296\n", false, .fieldOutOfRange(line: 2, field: "k", value: "4294967296")),
        ("", false, .empty),
    ]

    @Test(arguments: textErrors)
    func malformedTextNamesTheLine(text: String, isDD: Bool, expected: ClassicDecodeError) {
        #expect(throws: expected) {
            if isDD { _ = try ClassicProgram(tcpdumpDD: text) } else { _ = try ClassicProgram(tcpdumpDDD: text) }
        }
    }

    @Test func disassemblerNamesWhatLibpcapLeavesUnimplemented() {
        #expect(ClassicDisassembler.line(for: ClassicInstruction(code: 0x81), at: 3) == "(003) ldx      #pktlen")
        #expect(ClassicDisassembler.line(for: ClassicInstruction(code: 0x0e), at: 0) == "(000) unimp    0xe")
        #expect(ClassicDisassembler.line(for: ClassicInstruction(code: 0x05, k: 2), at: 7) == "(007) ja       10")
    }
}
