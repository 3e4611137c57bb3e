import Testing
import ClassicBPF

/// `ClassicProgram(fileContents:)` tells the three file forms apart by their contents.
@Suite struct ClassicFileContentsTests {
    /// ldh [12]; jeq #0x800 jt 0 jf 1; ret #65535; ret #0, written out in each form by hand.
    static let instructions = [
        ClassicInstruction(code: 0x28, jumpIfTrue: 0, jumpIfFalse: 0, k: 12),
        ClassicInstruction(code: 0x15, jumpIfTrue: 0, jumpIfFalse: 1, k: 0x800),
        ClassicInstruction(code: 0x06, jumpIfTrue: 0, jumpIfFalse: 0, k: 65535),
        ClassicInstruction(code: 0x06, jumpIfTrue: 0, jumpIfFalse: 0, k: 0),
    ]

    static let forms: [(bytes: [UInt8], form: ClassicProgram.FileForm)] = [
        (Array("{ 0x28, 0, 0, 0x0000000c },\n{ 0x15, 0, 1, 0x00000800 },\n{ 0x6, 0, 0, 0x0000ffff },\n{ 0x6, 0, 0, 0x00000000 },\n".utf8), .tcpdumpDD),
        (Array("// from tcpdump -dd\n\n{ 0x28, 0, 0, 12 },\n{ 0x15, 0, 1, 2048 },\n{ 6, 0, 0, 65535 },\n{ 6, 0, 0, 0 }\n".utf8), .tcpdumpDD),
        (Array("4\n40 0 0 12\n21 0 1 2048\n6 0 0 65535\n6 0 0 0\n".utf8), .tcpdumpDDD),
        (Array("4,40 0 0 12,21 0 1 2048,6 0 0 65535,6 0 0 0".utf8), .tcpdumpDDD),
        ([0x28, 0, 0, 0, 12, 0, 0, 0, 0x15, 0, 0, 1, 0, 8, 0, 0, 6, 0, 0, 0, 0xff, 0xff, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0], .raw),
    ]

    @Test(arguments: forms.indices)
    func everyFormGivesTheSameProgram(index: Int) throws {
        let (bytes, form) = Self.forms[index]
        #expect(ClassicProgram.form(ofFileContents: bytes) == form)
        #expect(try ClassicProgram(fileContents: bytes).instructions == Self.instructions)
    }

    @Test func malformedContents() {
        #expect(throws: ClassicDecodeError.empty) { try ClassicProgram(fileContents: []) }
        #expect(throws: ClassicDecodeError.truncated(byteOffset: 8, byteCount: 12)) {
            try ClassicProgram(fileContents: [0x06, 0, 0, 0, 0, 0, 0, 0, 0x06, 0, 0, 0])
        }
        #expect(throws: ClassicDecodeError.countMismatch(declared: 3, found: 1)) { try ClassicProgram(fileContents: Array("3\n6 0 0 0\n".utf8)) }
        // Not UTF-8 and no zero byte: still raw, and 3 bytes is no whole instruction.
        #expect(ClassicProgram.form(ofFileContents: [0xff, 0xfe, 0x80]) == .raw)
    }
}
