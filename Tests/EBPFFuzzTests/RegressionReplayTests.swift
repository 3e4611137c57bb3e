import EBPFCore
import EBPFFuzz
import EBPFTestSupport
import Foundation
import Testing

/// Every file in `Tests/Regressions/` (programs the engines once disagreed on, written by
/// `ebpf-fuzz --save-failures`) through the interpreter and the JIT under every configuration of
/// the fuzzer, without and (when the file names a context size) with the verifier's facts.
@Suite struct RegressionReplayTests {
    static let directory = RepositoryLayout.url("Tests/Regressions")

    static let files: [URL] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".txt") }.sorted().map { directory.appendingPathComponent($0) }
    }()

    @Test func regressionFolderIsNotEmpty() {
        #expect(!Self.files.isEmpty, "no regression files in \(Self.directory.path)")
    }

    @Test(arguments: files)
    func replaysWithoutDivergence(file: URL) throws {
        let text = try String(contentsOf: file, encoding: .utf8)
        let regression = try RegressionCase(name: file.lastPathComponent, text: text)
        let limits = ExecutionLimits(instructionBudget: regression.instructionBudget)
        var contexts: [Int?] = [nil]
        if let context = regression.verifiedContextSize { contexts.append(context) }
        for options in FuzzEngines.jitOptions {
            for context in contexts {
                let harness = FuzzEngines.harness(
                    jit: options, limits: limits, verifiedContextSize: context,
                    loops: context == nil ? .bounded : regression.verifierLoops ?? .bounded)
                let outcome = harness.compare(regression.program, memory: regression.memory)
                #expect(outcome.agrees, "\(file.lastPathComponent) \(options.registerMap) facts: \(context != nil)\n\(outcome)")
            }
        }
    }

    @Test func textRoundTrips() throws {
        let program = try #require(try? Program(decoding: [
            0xb7, 0x00, 0, 0, 0x01, 0, 0, 0x80,  // mov r0, INT32_MIN
            0x18, 0x01, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x80,  // lddw r1
            0x95, 0, 0, 0, 0, 0, 0, 0,
        ]))
        let original = RegressionCase(
            name: "x", program: program, memory: [0, 0xff, 0x10], instructionBudget: 77, verifiedContextSize: 3,
            comments: ["found by: hand"], observed: "line one\nline two")
        let parsed = try RegressionCase(name: "x", text: original.text)
        #expect(parsed.program == original.program)
        #expect(parsed.memory == original.memory)
        #expect(parsed.instructionBudget == 77)
        #expect(parsed.verifiedContextSize == 3)
        #expect(parsed.comments == ["found by: hand"])
    }

    @Test(arguments: [
        ("budget: x\n-- raw\n0x95\n", 1),
        ("-- raw\nnot hex\n", 2),
        ("-- mem\nzz\n-- raw\n0x95\n", 2),
        ("-- bogus\nx\n", 2),
        ("# only a comment\n", 0),
        ("colour: blue\n", 1),
    ])
    func badFilesAreRejectedWithTheLine(text: String, line: Int) {
        #expect(throws: RegressionCase.ParseError.self) { try RegressionCase(name: "bad", text: text) }
        do {
            _ = try RegressionCase(name: "bad", text: text)
        } catch {
            #expect(error.line == line, "\(error)")
        }
    }
}
