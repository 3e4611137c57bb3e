import EBPFAssembler
import EBPFCore
import EBPFTestSupport
import Testing

@Suite("Conformance corpus", .enabled(if: ConformanceCorpus.isAvailable, "conformance corpus not found; set EBPF_CONFORMANCE_DIR"))
struct ConformanceCorpusTests {
    @Test func everyFileParses() throws {
        let cases = try ConformanceCorpus.loadCases()
        #expect(cases.count == 313)
        #expect(cases.map(\.name) == cases.map(\.name).sorted())
        #expect(cases.allSatisfy { $0.expectedResult != nil })
    }

    @Test(arguments: ConformanceCorpus.cases)
    func assembles(_ testCase: ConformanceCase) throws {
        let program = try testCase.program()
        #expect(program.count > 0)
        if let assembly = testCase.assembly {
            let assembled = try Assembler.assemble(assembly)
            #expect(assembled.count > 0)
        }
    }

    @Test(arguments: ConformanceCorpus.cases)
    func disassemblyRoundTrips(_ testCase: ConformanceCase) throws {
        let program = try testCase.program()
        let lines = Disassembler.disassemble(program)
        let reassembled = try Assembler.assemble(lines.joined(separator: "\n"))
        #expect(reassembled.bytes == program.bytes)
        #expect(try Program(decoding: program.bytes) == program)
        // One line per instruction, an lddw covering two slots.
        let wideCount = program.instructions.filter { $0.opcode == Opcode.lddw }.count
        #expect(lines.count == program.count - wideCount)
        #expect(Disassembler.listing(program).map(\.text) == lines)
    }

    @Test func lddwAssemblyMatchesItsRawWords() throws {
        let testCase = try #require(ConformanceCorpus.cases.first { $0.name == "lddw" })
        let raw = try #require(testCase.rawWords)
        let assembled = try Assembler.assemble(try #require(testCase.assembly))
        #expect(assembled.instructions.map(\.rawValue) == raw)
        #expect(raw == [0x5566_7788_0000_0018, 0x1122_3344_0000_0000, 0x0000_0000_0000_0095])
    }

    @Test func sectionsOfAFileWithMemory() throws {
        let testCase = try #require(ConformanceCorpus.cases.first { $0.name == "ldxb-all" })
        #expect(testCase.memory == [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09])
        #expect(testCase.expectedResult == 0x98_7654_3210)
        #expect(testCase.rawWords == nil)
    }
}
