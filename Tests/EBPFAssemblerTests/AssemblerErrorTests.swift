import EBPFAssembler
import EBPFCore
import Testing

/// A program with one mistake, the line it is on and the diagnostic expected for it.
struct ErrorCase: Sendable, CustomTestStringConvertible {
    let source: String
    let line: Int
    let reason: AssemblerError.Reason
    let message: String

    var testDescription: String { message }
}

let errorCases: [ErrorCase] = [
    ErrorCase(source: "mov %r0, 1\n\n# comment\naddd %r1, 2\nexit", line: 4,
              reason: .unknownMnemonic("addd"), message: "line 4: unknown mnemonic 'addd'"),
    ErrorCase(source: "mov %r0, 0\nlock fetch addd [%r10-8], %r1\nexit", line: 2,
              reason: .unknownMnemonic("lock fetch addd"), message: "line 2: unknown mnemonic 'lock fetch addd'"),
    ErrorCase(source: "mov %r0, 0\nmov %r1, 1\nmov %r0, 0x1ffffffff\nexit", line: 3,
              reason: .immediateOutOfRange(literal: "0x1ffffffff", bits: 32),
              message: "line 3: immediate 0x1ffffffff does not fit in 32 bits"),
    ErrorCase(source: "mov32 %r0, -2147483649\nexit", line: 1,
              reason: .immediateOutOfRange(literal: "-2147483649", bits: 32),
              message: "line 1: immediate -2147483649 does not fit in 32 bits"),
    ErrorCase(source: "lddw %r0, 0x10000000000000000\nexit", line: 1,
              reason: .immediateOutOfRange(literal: "0x10000000000000000", bits: 64),
              message: "line 1: immediate 0x10000000000000000 does not fit in 64 bits"),
    ErrorCase(source: "mov %r0, 0\nja +1\nexit\nmov %r0, 1\nexit\nmov %r0, 2\nexit\nmov %r0, 3\njne %r0, 0, fail\nexit",
              line: 9, reason: .undefinedLabel("fail"), message: "line 9: undefined label 'fail'"),
    ErrorCase(source: "mov %r0, 0\nexit\nexit\nmov %r11, 1\nexit", line: 4,
              reason: .expected(.register, found: "%r11"), message: "line 4: expected register, found '%r11'"),
    ErrorCase(source: "add %r1, r12\nexit", line: 1,
              reason: .expected(.register, found: "r12"), message: "line 1: expected register, found 'r12'"),
    ErrorCase(source: "start:\nmov %r0, 0\nstart: exit", line: 3,
              reason: .duplicateLabel("start", firstLine: 1),
              message: "line 3: duplicate label 'start' (first defined on line 1)"),
    ErrorCase(source: "mov %r0, 0\nja +32768\nexit", line: 2,
              reason: .jumpOutOfRange(target: "+32768", distance: 32768, bits: 16),
              message: "line 2: jump offset out of range: '+32768' is 32768 slots away, which does not fit in 16 bits"),
    ErrorCase(source: "ja32 +2147483648\nexit", line: 1,
              reason: .jumpOutOfRange(target: "+2147483648", distance: 2_147_483_648, bits: 32),
              message: "line 1: jump offset out of range: '+2147483648' is 2147483648 slots away, which does not fit in 32 bits"),
    ErrorCase(source: "mov %r0, 0\nadd %r1\nexit", line: 2,
              reason: .wrongOperandCount(mnemonic: "add", expected: 2, found: 1),
              message: "line 2: wrong operand count: 'add' takes 2 operands, found 1"),
    ErrorCase(source: "exit %r0", line: 1,
              reason: .wrongOperandCount(mnemonic: "exit", expected: 0, found: 1),
              message: "line 1: wrong operand count: 'exit' takes 0 operands, found 1"),
    ErrorCase(source: "neg %r1, %r2\nexit", line: 1,
              reason: .wrongOperandCount(mnemonic: "neg", expected: 1, found: 2),
              message: "line 1: wrong operand count: 'neg' takes 1 operand, found 2"),
    ErrorCase(source: "mov %r0, 0\nadd %r0, 5 junk\nexit", line: 2,
              reason: .trailingGarbage("junk"), message: "line 2: trailing garbage 'junk'"),
    ErrorCase(source: "ldxw %r0, [%r1+4] x\nexit", line: 1,
              reason: .trailingGarbage("x"), message: "line 1: trailing garbage 'x'"),
    ErrorCase(source: "ldxw %r0, [%r1+32768]\nexit", line: 1,
              reason: .memoryOffsetOutOfRange(literal: "+32768"),
              message: "line 1: memory offset +32768 does not fit in 16 bits"),
    ErrorCase(source: "exit\n1abc:\nexit", line: 2,
              reason: .invalidLabel("1abc"), message: "line 2: invalid label name '1abc'"),
    ErrorCase(source: "ldxw %r0, %r1\nexit", line: 1,
              reason: .expected(.memory, found: "%r1"), message: "line 1: expected memory operand, found '%r1'"),
    ErrorCase(source: "call helper\nexit", line: 1,
              reason: .expected(.immediate, found: "helper"), message: "line 1: expected immediate, found 'helper'"),
    ErrorCase(source: "ja %r1\nexit", line: 1,
              reason: .expected(.jumpTarget, found: "%r1"), message: "line 1: expected jump target, found '%r1'"),
    ErrorCase(source: "lddw %r1, map_fd x\nexit", line: 1,
              reason: .expected(.wideImmediate, found: "map_fd x"),
              message: "line 1: expected 64-bit immediate, found 'map_fd x'"),
    ErrorCase(source: "mov %r0, 0\r\nadd %r0, 0x\r\nexit", line: 2,
              reason: .expected(.immediate, found: "0x"), message: "line 2: expected immediate, found '0x'"),
]

@Suite("Assembler errors")
struct AssemblerErrorTests {
    @Test(arguments: errorCases)
    func reportsTheLineAndTheReason(_ testCase: ErrorCase) {
        let lines = testCase.source.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        #expect {
            _ = try Assembler.assemble(testCase.source)
        } throws: { error in
            guard let error = error as? AssemblerError else { return false }
            return error.line == testCase.line && error.reason == testCase.reason
                && error.description == testCase.message && error.lineText == String(lines[testCase.line - 1])
        }
    }

    @Test func aLabelTooFarForTheOffsetField() throws {
        // 32768 slots between the jump and its label: one more than a signed 16-bit offset holds.
        let source = "ja far\n" + String(repeating: "exit\n", count: 32768) + "far:\nexit"
        let error = try #require(throws: AssemblerError.self) { try Assembler.assemble(source) }
        #expect(error.line == 1)
        #expect(error.reason == .jumpOutOfRange(target: "far", distance: 32768, bits: 16))
        // One slot fewer fits.
        let fits = "ja far\n" + String(repeating: "exit\n", count: 32767) + "far:\nexit"
        #expect(try Assembler.assemble(fits).instructions[0].offset == 32767)
    }

    @Test func firstLineNumberShiftsReportedLines() {
        let error = #expect(throws: AssemblerError.self) {
            try Assembler.assemble("exit\nbad", firstLineNumber: 10)
        }
        #expect(error?.line == 11)
        #expect(error?.description == "line 11: unknown mnemonic 'bad'")
    }
}

@Suite("Assembler syntax")
struct AssemblerSyntaxTests {
    @Test func labelsCountLddwAsTwoSlots() throws {
        let program = try Assembler.assemble("""
            ja over        # skips the lddw's two slots
            lddw %r0, 1
            over: mov %r0, 2
            jeq %r0, 2, +0
            back:
            ja back
            exit
            """)
        #expect(program.instructions[0].offset == 2)
        #expect(program.instructions[4].offset == 0)
        #expect(program.instructions[5].offset == -1)
    }

    @Test func theExitLabelNamesTheFirstExitUnlessDefined() throws {
        let implicit = try Assembler.assemble("jeq %r1, 1, exit\nmov %r0, 1\nexit\nexit")
        #expect(implicit.instructions[0].offset == 1)
        let explicit = try Assembler.assemble("jeq %r1, 1, exit\nexit\nexit:\nexit")
        #expect(explicit.instructions[0].offset == 1)
    }

    @Test func callLocalToALabelPutsTheDistanceInTheImmediate() throws {
        let program = try Assembler.assemble("call local f\nexit\nf: mov %r0, 1\nexit")
        #expect(program.instructions[0].immediate == 1)
        #expect(program.instructions[0].src == CallKind.local.rawValue)
        let backwards = try Assembler.assemble("f:\nexit\nja32 f")
        #expect(backwards.instructions[1].immediate == -2)
    }

    @Test func blanksCaseAndCommentsAreTolerated() throws {
        let tidy = try Assembler.assemble("ldxw %r1, [%r2-4]\nmov %r0, 0x1F\nexit")
        let loose = try Assembler.assemble("  LDXW   %R1 ,[ %r2 - 4 ]  # comment\n\n\tmov %r0,0X1f\nexit   #")
        #expect(loose == tidy)
    }

    @Test func emptyTextIsAnEmptyProgram() throws {
        #expect(try Assembler.assemble("# nothing\n\n").count == 0)
    }
}
