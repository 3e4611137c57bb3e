import EBPFAssembler
import EBPFCore
import EBPFInterpreter
import Testing

/// One program and the R0 it must return, worked out by hand from the ISA rules.
struct EdgeCase: Sendable, CustomTestStringConvertible {
    let name: String
    let source: String
    let expected: UInt64

    init(_ name: String, _ expected: UInt64, _ lines: String...) {
        self.name = name
        self.expected = expected
        self.source = (lines + ["exit"]).joined(separator: "\n")
    }

    var testDescription: String { name }
}

/// A binary ALU operation and its meaning, written independently of the interpreter from the
/// rules in isa.md.
struct BinaryOperation: Sendable, CustomTestStringConvertible {
    let mnemonic: String
    let is32: Bool
    let meaning: @Sendable (UInt64, UInt64) -> UInt64

    var testDescription: String { mnemonic }

    static let all: [BinaryOperation] = sixtyFour + thirtyTwo

    static let sixtyFour: [BinaryOperation] = [
        .init(mnemonic: "add", is32: false) { $0 &+ $1 },
        .init(mnemonic: "sub", is32: false) { $0 &- $1 },
        .init(mnemonic: "mul", is32: false) { $0 &* $1 },
        .init(mnemonic: "div", is32: false) { $1 == 0 ? 0 : $0 / $1 },
        .init(mnemonic: "mod", is32: false) { $1 == 0 ? $0 : $0 % $1 },
        .init(mnemonic: "sdiv", is32: false) { a, b in
            let (x, y) = (Int64(bitPattern: a), Int64(bitPattern: b))
            if y == 0 { return 0 }
            let (quotient, overflow) = x.dividedReportingOverflow(by: y)
            return UInt64(bitPattern: overflow ? Int64.min : quotient)
        },
        .init(mnemonic: "smod", is32: false) { a, b in
            let (x, y) = (Int64(bitPattern: a), Int64(bitPattern: b))
            if y == 0 { return a }
            let (remainder, overflow) = x.remainderReportingOverflow(dividingBy: y)
            return UInt64(bitPattern: overflow ? 0 : remainder)
        },
        .init(mnemonic: "or", is32: false) { $0 | $1 },
        .init(mnemonic: "and", is32: false) { $0 & $1 },
        .init(mnemonic: "xor", is32: false) { $0 ^ $1 },
        .init(mnemonic: "lsh", is32: false) { $0 << ($1 % 64) },
        .init(mnemonic: "rsh", is32: false) { $0 >> ($1 % 64) },
        .init(mnemonic: "arsh", is32: false) { UInt64(bitPattern: Int64(bitPattern: $0) >> Int64($1 % 64)) },
        .init(mnemonic: "mov", is32: false) { _, b in b },
    ]

    /// The 32-bit forms: the same rules on the low halves, the result zero-extended.
    static let thirtyTwo: [BinaryOperation] = [
        narrow("add32") { $0 &+ $1 },
        narrow("sub32") { $0 &- $1 },
        narrow("mul32") { $0 &* $1 },
        narrow("div32") { $1 == 0 ? 0 : $0 / $1 },
        narrow("mod32") { $1 == 0 ? $0 : $0 % $1 },
        narrow("sdiv32") { a, b in
            let (x, y) = (Int32(bitPattern: a), Int32(bitPattern: b))
            if y == 0 { return 0 }
            let (quotient, overflow) = x.dividedReportingOverflow(by: y)
            return UInt32(bitPattern: overflow ? Int32.min : quotient)
        },
        narrow("smod32") { a, b in
            let (x, y) = (Int32(bitPattern: a), Int32(bitPattern: b))
            if y == 0 { return a }
            let (remainder, overflow) = x.remainderReportingOverflow(dividingBy: y)
            return UInt32(bitPattern: overflow ? 0 : remainder)
        },
        narrow("or32") { $0 | $1 },
        narrow("and32") { $0 & $1 },
        narrow("xor32") { $0 ^ $1 },
        narrow("lsh32") { $0 << ($1 % 32) },
        narrow("rsh32") { $0 >> ($1 % 32) },
        narrow("arsh32") { UInt32(bitPattern: Int32(bitPattern: $0) >> Int32($1 % 32)) },
        narrow("mov32") { _, b in b },
    ]

    private static func narrow(_ mnemonic: String, _ meaning: @escaping @Sendable (UInt32, UInt32) -> UInt32) -> BinaryOperation {
        BinaryOperation(mnemonic: mnemonic, is32: true) { a, b in
            UInt64(meaning(UInt32(truncatingIfNeeded: a), UInt32(truncatingIfNeeded: b)))
        }
    }
}

@Suite("ALU")
struct ALUTests {
    /// Operands that hit the special cases: zero, ±1, the signed extremes of both widths, values
    /// that differ only in the upper half, shift counts at and beyond the width.
    static let operands: [UInt64] = [
        0, 1, 2, 3, 7, 13, 31, 32, 33, 63, 64, 65,
        0xffff_ffff_ffff_ffff, 0xffff_ffff_ffff_fffd, 0x8000_0000_0000_0000, 0x7fff_ffff_ffff_ffff,
        0x8000_0000, 0x7fff_ffff, 0xffff_ffff, 0xffff_ffff_8000_0000, 0x1_0000_0000, 0x1_0000_0004,
        0xdead_beef_cafe_babe, 0x0123_4567_89ab_cdef,
    ]

    /// Every binary operation, register form, over every pair of operands.
    @Test(arguments: BinaryOperation.all)
    func registerForm(_ operation: BinaryOperation) throws {
        // Slots: 0-1 lddw r0, 2-3 lddw r1, 4 the operation, 5 exit.
        let template = try Assembler.assemble("lddw %r0, 0\nlddw %r1, 0\n\(operation.mnemonic) %r0, %r1\nexit")
        for a in Self.operands {
            for b in Self.operands {
                let program = template.settingWideImmediate(at: 0, to: a).settingWideImmediate(at: 2, to: b)
                let expected = operation.meaning(a, b)
                #expect(try result(program) == expected, "\(operation.mnemonic) 0x\(String(a, radix: 16)), 0x\(String(b, radix: 16))")
            }
        }
    }

    /// Every binary operation, immediate form: ALU64 sign-extends the 32-bit immediate, ALU uses
    /// its 32 bits as they are.
    @Test(arguments: BinaryOperation.all)
    func immediateForm(_ operation: BinaryOperation) throws {
        // Slots: 0-1 lddw r0, 2 the operation, 3 exit.
        let template = try Assembler.assemble("lddw %r0, 0\n\(operation.mnemonic) %r0, 0\nexit")
        for a in Self.operands {
            for b in Self.operands {
                let immediate = Int32(truncatingIfNeeded: b)
                let program = template.settingWideImmediate(at: 0, to: a).settingImmediate(at: 2, to: immediate)
                let operand = UInt64(bitPattern: Int64(immediate))  // the 32-bit forms ignore the upper half
                let expected = operation.meaning(a, operand)
                #expect(try result(program) == expected, "\(operation.mnemonic) 0x\(String(a, radix: 16)), \(immediate)")
            }
        }
    }

    /// Every 32-bit operation clears the upper half of dst, even when it leaves the low half alone.
    @Test(arguments: BinaryOperation.thirtyTwo)
    func thirtyTwoBitResultsAreZeroExtended(_ operation: BinaryOperation) throws {
        let source = "\(lddw("%r0", 0xffff_ffff_0000_0009))\nmov %r1, 1\n\(operation.mnemonic) %r0, %r1\nrsh %r0, 32\nexit"
        #expect(try result(source) == 0)
    }

    static let edgeCases: [EdgeCase] = [
        // Division and remainder by zero, both widths, both operand forms.
        EdgeCase("div by zero imm", 0, "mov %r0, 7", "div %r0, 0"),
        EdgeCase("div by zero reg", 0, "mov %r0, 7", "mov %r1, 0", "div %r0, %r1"),
        EdgeCase("div32 by zero imm", 0, lddw("%r0", 0x1_0000_0007), "div32 %r0, 0"),
        EdgeCase("div32 by zero reg", 0, "mov %r0, 7", "mov %r1, 0", "div32 %r0, %r1"),
        EdgeCase("mod by zero imm keeps dst", 0x1122_3344_5566_7788, lddw("%r0", 0x1122_3344_5566_7788), "mod %r0, 0"),
        EdgeCase("mod by zero reg keeps dst", 0x1122_3344_5566_7788, lddw("%r0", 0x1122_3344_5566_7788), "mov %r1, 0", "mod %r0, %r1"),
        EdgeCase("mod32 by zero zero-extends", 0x5566_7788, lddw("%r0", 0x1122_3344_5566_7788), "mod32 %r0, 0"),
        EdgeCase("mod32 by zero reg zero-extends", 0x5566_7788, lddw("%r0", 0x1122_3344_5566_7788), "mov %r1, 0", "mod32 %r0, %r1"),
        EdgeCase("sdiv by zero", 0, "mov %r0, -7", "sdiv %r0, 0"),
        EdgeCase("smod by zero keeps dst", 0xffff_ffff_ffff_fff9, "mov %r0, -7", "mov %r1, 0", "smod %r0, %r1"),
        EdgeCase("smod32 by zero zero-extends", 0xffff_fff9, "mov %r0, -7", "smod32 %r0, 0"),
        // The overflowing signed quotient.
        EdgeCase("sdiv INT64_MIN / -1", 0x8000_0000_0000_0000, lddw("%r0", 0x8000_0000_0000_0000), "sdiv %r0, -1"),
        EdgeCase("sdiv INT64_MIN / -1 reg", 0x8000_0000_0000_0000, lddw("%r0", 0x8000_0000_0000_0000), "mov %r1, -1", "sdiv %r0, %r1"),
        EdgeCase("smod INT64_MIN % -1", 0, lddw("%r0", 0x8000_0000_0000_0000), "smod %r0, -1"),
        EdgeCase("sdiv32 INT32_MIN / -1", 0x8000_0000, "mov32 %r0, 0x80000000", "sdiv32 %r0, -1"),
        EdgeCase("smod32 INT32_MIN % -1", 0, "mov32 %r0, 0x80000000", "mov %r1, -1", "smod32 %r0, %r1"),
        // Truncating signed division; the remainder takes the dividend's sign.
        EdgeCase("sdiv -7 / 2", 0xffff_ffff_ffff_fffd, "mov %r0, -7", "sdiv %r0, 2"),
        EdgeCase("smod -13 % 3", 0xffff_ffff_ffff_ffff, "mov %r0, -13", "smod %r0, 3"),
        EdgeCase("smod 13 % -3", 1, "mov %r0, 13", "smod %r0, -3"),
        EdgeCase("smod32 -13 % 3", 0xffff_ffff, "mov %r0, -13", "smod32 %r0, 3"),
        // The 32-bit forms look only at the low half of the divisor.
        EdgeCase("div32 by 0x1_0000_0004 acts as 4", 25, "mov %r0, 100", lddw("%r1", 0x1_0000_0004), "div32 %r0, %r1"),
        EdgeCase("mod32 by 0x1_0000_0004 acts as 4", 3, "mov %r0, 103", lddw("%r1", 0x1_0000_0004), "mod32 %r0, %r1"),
        EdgeCase("div32 by 0x1_0000_0000 acts as 0", 0, "mov %r0, 100", lddw("%r1", 0x1_0000_0000), "div32 %r0, %r1"),
        EdgeCase("mod32 by 0x1_0000_0000 keeps dst", 100, "mov %r0, 100", lddw("%r1", 0x1_0000_0000), "mod32 %r0, %r1"),
        EdgeCase("div by 0x1_0000_0000 is a real divide", 1, lddw("%r0", 0x1_0000_0005), lddw("%r1", 0x1_0000_0000), "div %r0, %r1"),
        // ALU64 immediates are sign-extended, also for the unsigned divide.
        EdgeCase("div by imm -1 is by 2^64-1", 0, "mov %r0, 10", "div %r0, -1"),
        EdgeCase("div all-ones by imm -1", 1, "mov %r0, -1", "div %r0, -1"),
        EdgeCase("mod by imm -2", 10, "mov %r0, 10", "mod %r0, -2"),
        EdgeCase("add imm -1", 0xffff_ffff_ffff_ffff, "mov %r0, 0", "add %r0, -1"),
        EdgeCase("and imm -16", 0x1234_5678_9abc_def0, lddw("%r0", 0x1234_5678_9abc_def7), "and %r0, -16"),
        EdgeCase("or imm 0x80000000", 0xffff_ffff_8000_0000, "mov %r0, 0", "or %r0, 0x80000000"),
        EdgeCase("mov imm -1", 0xffff_ffff_ffff_ffff, "mov %r0, -1"),
        EdgeCase("mov32 imm -1", 0xffff_ffff, "mov32 %r0, -1"),
        EdgeCase("add32 imm -1", 0xffff_ffff, "mov %r0, 0", "add32 %r0, -1"),
        // Shift counts are masked to the width.
        EdgeCase("lsh 64 is lsh 0", 0x8000_0000_0000_0001, lddw("%r0", 0x8000_0000_0000_0001), "lsh %r0, 64"),
        EdgeCase("lsh 65 is lsh 1", 2, lddw("%r0", 0x8000_0000_0000_0001), "mov %r1, 65", "lsh %r0, %r1"),
        EdgeCase("rsh 127 is rsh 63", 1, lddw("%r0", 0x8000_0000_0000_0000), "mov %r1, 127", "rsh %r0, %r1"),
        EdgeCase("arsh 64 is arsh 0", 0x8000_0000_0000_0000, lddw("%r0", 0x8000_0000_0000_0000), "arsh %r0, 64"),
        EdgeCase("arsh 63 spreads the sign", 0xffff_ffff_ffff_ffff, lddw("%r0", 0x8000_0000_0000_0000), "arsh %r0, 63"),
        EdgeCase("lsh32 32 is lsh32 0", 0x8000_0001, lddw("%r0", 0xffff_ffff_8000_0001), "lsh32 %r0, 32"),
        EdgeCase("lsh32 33 is lsh32 1", 2, lddw("%r0", 0x8000_0001), "mov %r1, 33", "lsh32 %r0, %r1"),
        EdgeCase("rsh32 reg uses low 5 bits", 0x4000_0000, "mov32 %r0, 0x80000000", lddw("%r1", 0x1_0000_0021), "rsh32 %r0, %r1"),
        EdgeCase("arsh32 31", 0xffff_ffff, "mov32 %r0, 0x80000000", "arsh32 %r0, 31"),
        EdgeCase("arsh32 33 is arsh32 1", 0xc000_0000, "mov32 %r0, 0x80000000", "arsh32 %r0, 33"),
        EdgeCase("arsh32 ignores the upper half", 0x0800_0000, lddw("%r0", 0xffff_ffff_1000_0000), "arsh32 %r0, 1"),
        // neg wraps INT_MIN to itself.
        EdgeCase("neg INT64_MIN", 0x8000_0000_0000_0000, lddw("%r0", 0x8000_0000_0000_0000), "neg %r0"),
        EdgeCase("neg 1", 0xffff_ffff_ffff_ffff, "mov %r0, 1", "neg %r0"),
        EdgeCase("neg32 INT32_MIN", 0x8000_0000, "mov32 %r0, 0x80000000", "neg32 %r0"),
        EdgeCase("neg32 zero-extends", 0xffff_ffff, lddw("%r0", 0x7777_7777_0000_0001), "neg32 %r0"),
        // Sign-extending moves read only the low bits of src.
        EdgeCase("movsx864", 0xffff_ffff_ffff_ff80, lddw("%r1", 0x1234_5678_9abc_de80), "movsx864 %r0, %r1"),
        EdgeCase("movsx864 positive", 0x7f, lddw("%r1", 0xffff_ffff_ffff_ff7f), "movsx864 %r0, %r1"),
        EdgeCase("movsx1664", 0xffff_ffff_ffff_8000, lddw("%r1", 0x1234_5678_9abc_8000), "movsx1664 %r0, %r1"),
        EdgeCase("movsx3264", 0xffff_ffff_8000_0000, lddw("%r1", 0x1234_5678_8000_0000), "movsx3264 %r0, %r1"),
        EdgeCase("movsx3264 positive", 0x7fff_ffff, lddw("%r1", 0xffff_ffff_7fff_ffff), "movsx3264 %r0, %r1"),
        EdgeCase("movsx832 zero-extends the 32-bit result", 0xffff_ff80, lddw("%r1", 0x1234_5678_9abc_de80), "movsx832 %r0, %r1"),
        EdgeCase("movsx1632", 0xffff_8000, lddw("%r1", 0x1234_5678_9abc_8000), "movsx1632 %r0, %r1"),
        EdgeCase("mov32 reg zero-extends", 0x9abc_def0, lddw("%r1", 0x1234_5678_9abc_def0), "mov32 %r0, %r1"),
        // Byte order on a little-endian host.
        EdgeCase("le16 truncates", 0xcdef, lddw("%r0", 0x0123_4567_89ab_cdef), "le16 %r0"),
        EdgeCase("le32 truncates", 0x89ab_cdef, lddw("%r0", 0x0123_4567_89ab_cdef), "le32 %r0"),
        EdgeCase("le64 keeps", 0x0123_4567_89ab_cdef, lddw("%r0", 0x0123_4567_89ab_cdef), "le64 %r0"),
        EdgeCase("be16 swaps and zeroes", 0xefcd, lddw("%r0", 0x0123_4567_89ab_cdef), "be16 %r0"),
        EdgeCase("be32 swaps and zeroes", 0xefcd_ab89, lddw("%r0", 0x0123_4567_89ab_cdef), "be32 %r0"),
        EdgeCase("be64 swaps", 0xefcd_ab89_6745_2301, lddw("%r0", 0x0123_4567_89ab_cdef), "be64 %r0"),
        EdgeCase("bswap16", 0xefcd, lddw("%r0", 0x0123_4567_89ab_cdef), "bswap16 %r0"),
        EdgeCase("bswap32", 0xefcd_ab89, lddw("%r0", 0x0123_4567_89ab_cdef), "bswap32 %r0"),
        EdgeCase("bswap64", 0xefcd_ab89_6745_2301, lddw("%r0", 0x0123_4567_89ab_cdef), "bswap64 %r0"),
        // lddw loads all 64 bits and counts as one instruction (see CountTests).
        EdgeCase("lddw", 0x8877_6655_4433_2211, lddw("%r0", 0x8877_6655_4433_2211)),
    ]

    @Test(arguments: edgeCases)
    func edgeValue(_ edge: EdgeCase) throws {
        #expect(try result(edge.source) == edge.expected)
    }
}
