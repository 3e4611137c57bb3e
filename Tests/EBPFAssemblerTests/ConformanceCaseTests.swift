import EBPFAssembler
import EBPFCore
import EBPFTestSupport
import Testing

@Suite("ConformanceCase parsing")
struct ConformanceCaseTests {
    @Test func readsEverySection() throws {
        let text = """
            # header comment
            -- asm
            mov %r0, 1
            exit
            -- mem
            00 01 02
            # a comment between bytes
            ff
            AbCd
            -- result
            18446744073709551615
            -- c
            int main(void) { return 1; }
            -- no register offset
            call instruction
            """
        let testCase = try ConformanceCase(name: "sample", text: text)
        #expect(testCase.name == "sample")
        #expect(testCase.assembly == "mov %r0, 1\nexit")
        #expect(testCase.memory == [0x00, 0x01, 0x02, 0xff, 0xab, 0xcd])
        #expect(testCase.expectedResult == UInt64.max)
        #expect(testCase.expectedError == nil)
        #expect(testCase.rawWords == nil)
        #expect(try testCase.program().instructions.map(\.rawValue) == [0x0000_0001_0000_00b7, 0x95])
    }

    @Test func rawOverridesAssembly() throws {
        let text = """
            -- asm
            mov %r0, 2
            exit
            -- raw
            0x00000003000000b7
            149
            -- result
            0x3
            """
        let testCase = try ConformanceCase(name: "raw", text: text)
        #expect(testCase.rawWords == [0x0000_0003_0000_00b7, 0x95])
        #expect(testCase.expectedResult == 3)
        #expect(testCase.memory.isEmpty)
        #expect(try testCase.program().instructions.map(\.immediate) == [3, 0])
    }

    @Test func expectedErrorAndNoResult() throws {
        let testCase = try ConformanceCase(name: "err", text: "-- asm\nexit\n-- error\n\ninvalid instruction\n\n")
        #expect(testCase.expectedError == "invalid instruction")
        #expect(testCase.expectedResult == nil)
    }

    @Test func assemblerErrorsNameFileLines() {
        let text = "# line 1\n# line 2\n-- asm\nmov %r0, 1\nbogus %r0\nexit\n-- result\n0x1"
        let error = #expect(throws: AssemblerError.self) {
            try ConformanceCase(name: "bad", text: text).program()
        }
        #expect(error?.line == 5)
        #expect(error?.lineText == "bogus %r0")
    }

    @Test func invalidRawWordsNameFileLines() {
        // Second word: opcode 0xff is in no table row.
        let text = "-- raw\n0x95\n0xff\n-- result\n0"
        let error = #expect(throws: AssemblerError.self) {
            try ConformanceCase(name: "bad-raw", text: text).program()
        }
        #expect(error?.line == 3)
        #expect(error?.reason == .invalidProgram(.unknownOpcode(index: 1, opcode: 0xff)))
    }

    @Test(arguments: [
        ("-- asm\nexit\n-- mem\n0g", 4, "invalid memory byte '0g'"),
        ("-- asm\nexit\n-- mem\n001", 4, "invalid memory byte '001'"),
        ("-- asm\nexit\n-- result\n0xzz", 4, "invalid result '0xzz'"),
        ("-- asm\nexit\n-- result\n1\n2", 5, "unexpected text after the result"),
        ("-- raw\n0x95 junk", 2, "invalid raw instruction word '0x95 junk'"),
        ("-- asm\nexit\n-- asm\nexit", 3, "duplicate section '-- asm'"),
    ])
    func malformedFilesAreRejectedWithTheLine(text: String, line: Int, message: String) {
        let error = #expect(throws: ConformanceCaseError.self) {
            try ConformanceCase(name: "bad", text: text)
        }
        #expect(error?.line == line)
        #expect(error?.message == message)
        #expect(error?.description == "bad: line \(line): \(message)")
    }

    @Test func aFileWithoutAProgramIsRejected() {
        let error = #expect(throws: ConformanceCaseError.self) {
            try ConformanceCase(name: "empty", text: "-- result\n0x1")
        }
        #expect(error?.line == nil)
    }

    @Test func aMissingDirectoryIsAnError() {
        #expect(throws: ConformanceCaseError.self) {
            try ConformanceCase.loadDirectory("/nonexistent/ebpf-conformance")
        }
    }
}
