import EBPFAssembler
import EBPFCore
import Testing

/// One hand-encoded instruction: its assembly, the 64-bit words (lowest byte = opcode) worked out
/// by hand from the encoding rules in isa.md, and the disassembler's text when it differs from
/// the input.
struct EncodingCase: Sendable, CustomTestStringConvertible {
    let text: String
    let words: [UInt64]
    let disassembly: String?

    init(_ text: String, _ words: UInt64..., disassembly: String? = nil) {
        self.text = text
        self.words = words
        self.disassembly = disassembly
    }

    var testDescription: String { text }
}

// Word layout: imm (32 bits) | offset (16) | src (4) dst (4) | opcode (8), most significant first.
let encodingCases: [EncodingCase] = [
    // ALU64 (class 7) and ALU (class 4), immediate (K) and register (X = 0x08) forms.
    EncodingCase("add %r1, 5", 0x0000_0005_0000_0107),
    EncodingCase("add32 %r1, %r2", 0x0000_0000_0000_210c),
    EncodingCase("sub %r3, -1", 0xffff_ffff_0000_0317),
    EncodingCase("mul32 %r0, 0x80000000", 0x8000_0000_0000_0024),
    EncodingCase("div %r4, %r5", 0x0000_0000_0000_543f),
    EncodingCase("sdiv %r1, 3", 0x0000_0003_0001_0137),
    EncodingCase("sdiv32 %r1, %r2", 0x0000_0000_0001_213c),
    EncodingCase("smod %r6, %r7", 0x0000_0000_0001_769f),
    EncodingCase("smod32 %r1, -7", 0xffff_fff9_0001_0194),
    EncodingCase("or %r1, 0xff", 0x0000_00ff_0000_0147, disassembly: "or %r1, 255"),
    EncodingCase("and32 %r9, %r10", 0x0000_0000_0000_a95c),
    EncodingCase("lsh %r1, 63", 0x0000_003f_0000_0167),
    EncodingCase("rsh32 %r2, %r3", 0x0000_0000_0000_327c),
    EncodingCase("arsh %r1, 1", 0x0000_0001_0000_01c7),
    EncodingCase("neg %r1", 0x0000_0000_0000_0187),
    EncodingCase("neg32 %r2", 0x0000_0000_0000_0284),
    EncodingCase("mod %r1, 10", 0x0000_000a_0000_0197),
    EncodingCase("xor32 %r1, 2147483647", 0x7fff_ffff_0000_01a4, disassembly: "xor32 %r1, 0x7fffffff"),
    EncodingCase("mov %r0, -2147483648", 0x8000_0000_0000_00b7, disassembly: "mov %r0, -0x80000000"),
    EncodingCase("mov32 %r10, %r1", 0x0000_0000_0000_1abc),
    EncodingCase("mov r1, r2", 0x0000_0000_0000_21bf, disassembly: "mov %r1, %r2"),
    EncodingCase("movsx832 %r0, %r1", 0x0000_0000_0008_10bc),
    EncodingCase("movsx1664 %r2, %r3", 0x0000_0000_0010_32bf),
    EncodingCase("movsx3264 %r1, %r1", 0x0000_0000_0020_11bf),
    // Byte swaps: 0xd4 le, 0xdc be, 0xd7 bswap; width in the immediate.
    EncodingCase("le16 %r1", 0x0000_0010_0000_01d4),
    EncodingCase("be64 %r3", 0x0000_0040_0000_03dc),
    EncodingCase("bswap32 %r4", 0x0000_0020_0000_04d7),
    EncodingCase("swap16 %r5", 0x0000_0010_0000_05d7, disassembly: "bswap16 %r5"),
    // Jumps (class 5) and JMP32 (class 6).
    EncodingCase("ja +3", 0x0000_0000_0003_0005),
    EncodingCase("ja -1", 0x0000_0000_ffff_0005),
    EncodingCase("ja32 -2", 0xffff_fffe_0000_0006),
    EncodingCase("jeq %r1, 0x80000000, +1", 0x8000_0000_0001_0115, disassembly: "jeq %r1, -0x80000000, +1"),
    EncodingCase("jne32 %r1, %r2, -3", 0x0000_0000_fffd_215e),
    EncodingCase("jsgt %r2, -5, +0", 0xffff_fffb_0000_0265),
    EncodingCase("jset %r1, %r9, +7", 0x0000_0000_0007_914d),
    EncodingCase("jlt32 %r3, 10, +2", 0x0000_000a_0002_03a6),
    EncodingCase("jsle %r0, %r1, +1", 0x0000_0000_0001_10dd),
    EncodingCase("jgt32 %r1, %r2, +4", 0x0000_0000_0004_212e),
    EncodingCase("call 5", 0x0000_0005_0000_0085),
    EncodingCase("call local +2", 0x0000_0002_0000_1085),
    EncodingCase("call %r2", 0x0000_0000_0000_028d),
    EncodingCase("exit", 0x0000_0000_0000_0095),
    // Loads and stores: mode | size | class.
    EncodingCase("ldxw %r1, [%r2+4]", 0x0000_0000_0004_2161),
    EncodingCase("ldxdw %r0, [%r10-8]", 0x0000_0000_fff8_a079),
    EncodingCase("ldxsb %r0, [%r10-1]", 0x0000_0000_ffff_a091),
    EncodingCase("ldxsh %r3, [%r1]", 0x0000_0000_0000_1389),
    EncodingCase("ldxh %r3, [%r1+0x10]", 0x0000_0000_0010_1369, disassembly: "ldxh %r3, [%r1+16]"),
    EncodingCase("stw [%r1+2], 7", 0x0000_0007_0002_0162),
    EncodingCase("stdw [%r10-16], -1", 0xffff_ffff_fff0_0a7a),
    EncodingCase("stb [%r1], 0xff", 0x0000_00ff_0000_0172, disassembly: "stb [%r1], 255"),
    EncodingCase("sth [%r1+32767], 1", 0x0000_0001_7fff_016a),
    EncodingCase("stxdw [%r10-8], %r1", 0x0000_0000_fff8_1a7b),
    EncodingCase("stxb [%r2+1], %r3", 0x0000_0000_0001_3273),
    // Atomics: 0xdb (64-bit), 0xc3 (32-bit), operation in the immediate.
    EncodingCase("lock add [%r10-8], %r1", 0x0000_0000_fff8_1adb),
    EncodingCase("lock fetch and32 [%r10-4], %r1", 0x0000_0051_fffc_1ac3),
    EncodingCase("lock xchg [%r1], %r2", 0x0000_00e1_0000_21db),
    EncodingCase("lock cmpxchg32 [%r1+8], %r3", 0x0000_00f1_0008_31c3),
    EncodingCase("lock fetch xor [%r0-32768], %r9", 0x0000_00a1_8000_90db),
    EncodingCase("lock or32 [%r2-2], %r4", 0x0000_0040_fffe_42c3),
    // Legacy packet loads: LD | ABS 0x20 / IND 0x40 | size.
    EncodingCase("ldabsw 12", 0x0000_000c_0000_0020),
    EncodingCase("ldindh %r2, 4", 0x0000_0004_0000_2048),
    EncodingCase("ldabsb 0", 0x0000_0000_0000_0030),
    // lddw: two slots, the second holding the upper 32 bits; src = LoadImmediateKind.
    EncodingCase("lddw %r0, 0x1122334455667788", 0x5566_7788_0000_0018, 0x1122_3344_0000_0000),
    EncodingCase("lddw %r1, -1", 0xffff_ffff_0000_0118, 0xffff_ffff_0000_0000),
    EncodingCase("lddw %r2, map_fd 3", 0x0000_0003_0000_1218, 0x0000_0000_0000_0000),
    EncodingCase("lddw %r1, map_value_fd 3+16", 0x0000_0003_0000_2118, 0x0000_0010_0000_0000),
    EncodingCase("lddw %r3, map_value_index 0xffffffff+1", 0xffff_ffff_0000_6318, 0x0000_0001_0000_0000,
                 disassembly: "lddw %r3, map_value_index 4294967295+1"),
]

@Suite("Hand-encoded instructions")
struct EncodingTableTests {
    @Test(arguments: encodingCases)
    func assemblesToTheHandEncodedWords(_ testCase: EncodingCase) throws {
        let program = try Assembler.assemble(testCase.text)
        #expect(program.instructions.map(\.rawValue) == testCase.words)
    }

    @Test(arguments: encodingCases)
    func disassemblesAndReassembles(_ testCase: EncodingCase) throws {
        let program = Program(unchecked: testCase.words.map(Instruction.init(rawValue:)))
        let lines = Disassembler.disassemble(program)
        #expect(lines == [testCase.disassembly ?? testCase.text])
        let reassembled = try Assembler.assemble(lines.joined(separator: "\n"))
        #expect(reassembled.instructions.map(\.rawValue) == testCase.words)
    }

    @Test func everyOperandShapeIsCovered() throws {
        var shapes = Set<OperandShape>()
        for testCase in encodingCases {
            let first = Instruction(rawValue: testCase.words[0])
            shapes.insert(try #require(InstructionSet.descriptor(for: first)).shape)
        }
        let all: Set<OperandShape> = [
            .dstImmediate, .dstSource, .dstOnly, .dstWideImmediate, .loadFromMemory, .storeRegister,
            .storeImmediate, .jumpOffset, .jumpImmediateOffset, .compareImmediate, .compareRegister,
            .helperCall, .localCall, .registerCall, .none, .packetAbsolute, .packetIndirect,
        ]
        #expect(shapes == all)
    }
}
