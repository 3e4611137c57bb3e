import EBPFAssembler
import EBPFCore
import EBPFInterpreter
import Testing

/// A jump condition and its meaning on 64-bit operands, written from isa.md.
struct JumpRule: Sendable, CustomTestStringConvertible {
    let mnemonic: String
    let holds: @Sendable (UInt64, UInt64) -> Bool

    var testDescription: String { mnemonic }

    static let all: [JumpRule] = [
        .init(mnemonic: "jeq") { $0 == $1 },
        .init(mnemonic: "jne") { $0 != $1 },
        .init(mnemonic: "jgt") { $0 > $1 },
        .init(mnemonic: "jge") { $0 >= $1 },
        .init(mnemonic: "jlt") { $0 < $1 },
        .init(mnemonic: "jle") { $0 <= $1 },
        .init(mnemonic: "jset") { $0 & $1 != 0 },
        .init(mnemonic: "jsgt") { Int64(bitPattern: $0) > Int64(bitPattern: $1) },
        .init(mnemonic: "jsge") { Int64(bitPattern: $0) >= Int64(bitPattern: $1) },
        .init(mnemonic: "jslt") { Int64(bitPattern: $0) < Int64(bitPattern: $1) },
        .init(mnemonic: "jsle") { Int64(bitPattern: $0) <= Int64(bitPattern: $1) },
    ]
}

@Suite("Jumps")
struct JumpTests {
    /// Pairs chosen so that unsigned and signed orders disagree and so that values differ only in
    /// the upper half (JMP32 must not see it).
    static let operands: [UInt64] = [
        0, 1, 5, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x1_0000_0000, 0x1_0000_0005, 0xffff_ffff_0000_0005,
        0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000, 0xffff_ffff_ffff_ffff, 0xffff_ffff_8000_0000,
    ]

    /// R0 = 1 if the jump is taken, else 0.
    static func program(_ jump: String) -> String {
        "mov %r0, 1\n\(jump), +1\nmov %r0, 0\nexit"
    }

    /// Templates: slots 0-1 lddw r1, 2-3 lddw r2, then `mov r0, 1; jump +1; mov r0, 0; exit`
    /// (the jump at slot 5 for the register form, 3 for the immediate form).
    static func registerTemplate(_ mnemonic: String) throws -> Program {
        try Assembler.assemble("lddw %r1, 0\nlddw %r2, 0\n" + program("\(mnemonic) %r1, %r2"))
    }

    static func immediateTemplate(_ mnemonic: String) throws -> Program {
        try Assembler.assemble("lddw %r1, 0\n" + program("\(mnemonic) %r1, 0"))
    }

    @Test(arguments: JumpRule.all)
    func sixtyFourBitRegister(_ condition: JumpRule) throws {
        let template = try Self.registerTemplate(condition.mnemonic)
        for a in Self.operands {
            for b in Self.operands {
                let program = template.settingWideImmediate(at: 0, to: a).settingWideImmediate(at: 2, to: b)
                #expect(try result(program) == (condition.holds(a, b) ? 1 : 0), "0x\(String(a, radix: 16)) 0x\(String(b, radix: 16))")
            }
        }
    }

    /// JMP compares with the immediate sign-extended to 64 bits.
    @Test(arguments: JumpRule.all)
    func sixtyFourBitImmediate(_ condition: JumpRule) throws {
        let template = try Self.immediateTemplate(condition.mnemonic)
        for a in Self.operands {
            for b in Self.operands {
                let immediate = Int32(truncatingIfNeeded: b)
                let program = template.settingWideImmediate(at: 0, to: a).settingImmediate(at: 3, to: immediate)
                let taken = condition.holds(a, UInt64(bitPattern: Int64(immediate)))
                #expect(try result(program) == (taken ? 1 : 0), "0x\(String(a, radix: 16)) \(immediate)")
            }
        }
    }

    /// JMP32 compares the low halves: the same conditions on values sign-extended from 32 bits
    /// (which keeps both the unsigned and the signed order of the low halves).
    @Test(arguments: JumpRule.all)
    func thirtyTwoBit(_ condition: JumpRule) throws {
        func low(_ value: UInt64) -> UInt64 { UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: value))) }
        let registerTemplate = try Self.registerTemplate(condition.mnemonic + "32")
        let immediateTemplate = try Self.immediateTemplate(condition.mnemonic + "32")
        for a in Self.operands {
            for b in Self.operands {
                let registerForm = registerTemplate.settingWideImmediate(at: 0, to: a).settingWideImmediate(at: 2, to: b)
                let immediateForm = immediateTemplate.settingWideImmediate(at: 0, to: a)
                    .settingImmediate(at: 3, to: Int32(truncatingIfNeeded: b))
                let expected: UInt64 = condition.holds(low(a), low(b)) ? 1 : 0
                #expect(try result(registerForm) == expected, "0x\(String(a, radix: 16)) 0x\(String(b, radix: 16))")
                #expect(try result(immediateForm) == expected, "0x\(String(a, radix: 16)) imm 0x\(String(b, radix: 16))")
            }
        }
    }

    static let edgeCases: [EdgeCase] = [
        EdgeCase("jeq32 ignores the upper half", 1, lddw("%r1", 0x1_0000_0005), "mov %r0, 1", "jeq32 %r1, 5, +1", "mov %r0, 0"),
        EdgeCase("jeq sees the upper half", 0, lddw("%r1", 0x1_0000_0005), "mov %r0, 1", "jeq %r1, 5, +1", "mov %r0, 0"),
        EdgeCase("jgt -1 > 1 unsigned", 1, "mov %r1, -1", "mov %r0, 1", "jgt %r1, 1, +1", "mov %r0, 0"),
        EdgeCase("jsgt -1 > 1 signed is false", 0, "mov %r1, -1", "mov %r0, 1", "jsgt %r1, 1, +1", "mov %r0, 0"),
        EdgeCase("jsgt32 0xffffffff > 0 is false", 0, "mov32 %r1, -1", "mov %r0, 1", "jsgt32 %r1, 0, +1", "mov %r0, 0"),
        EdgeCase("jsgt 0xffffffff > 0 is true", 1, "mov32 %r1, -1", "mov %r0, 1", "jsgt %r1, 0, +1", "mov %r0, 0"),
        EdgeCase("jset32 ignores the upper half", 0, lddw("%r1", 0xffff_ffff_0000_0000), "mov %r0, 1", "jset32 %r1, -1, +1", "mov %r0, 0"),
        EdgeCase("ja skips", 2, "mov %r0, 2", "ja +1", "mov %r0, 3"),
        EdgeCase("ja32 (gotol) uses the immediate", 2, "mov %r0, 2", "ja32 +1", "mov %r0, 3"),
        EdgeCase("ja32 backward", 7, "mov %r0, 0", "ja32 +2", "mov %r0, 7", "exit", "ja32 -3"),
        EdgeCase("loop with a back-edge", 10, "mov %r0, 0", "mov %r1, 10", "add %r0, 1", "sub %r1, 1", "jne %r1, 0, -3"),
    ]

    @Test(arguments: edgeCases)
    func edgeValue(_ edge: EdgeCase) throws {
        #expect(try result(edge.source) == edge.expected)
    }
}
