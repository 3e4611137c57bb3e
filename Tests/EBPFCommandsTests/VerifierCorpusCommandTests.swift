import EBPFTestSupport
import Foundation
import Testing

/// `ebpf run X.o` with default options (the `automatic` loop policy, the input's size fixed by the
/// memory file) on every program of the verifier corpus (`Tests/Corpus/verifier`, issue #16) that
/// the verifier proves: each is verified and prints what the unverified run, with every access
/// checked, prints. (The three it cannot prove are refused after the whole bounded walk, seconds
/// in a debug build; VerifierCorpusTests covers them.)
@Suite("ebpf run on the verifier corpus")
struct VerifierCorpusCommandTests {
    static let directory = RepositoryLayout.url("Tests/Corpus/verifier")
    /// Not proven by any policy (VerifierCorpusTests says why).
    static let unproven: Set<String> = ["data_dependent_inner", "offset_from_data", "sieve"]
    static let names: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".c") }.map { String($0.dropLast(2)) }.filter { !unproven.contains($0) }.sorted()
    }()

    /// 200 bytes shaped as an Ethernet/IPv4/TCP frame where the header parsers look, the rest a
    /// fixed pseudo-random pattern.
    static let input: [UInt8] = {
        var bytes = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 73 &+ 41) }
        for (offset, value) in [(12, 0x08), (13, 0x00), (14, 0x45), (23, 6), (36, 0), (37, 80), (47, 0x02)] {
            bytes[offset] = UInt8(value)
        }
        return bytes
    }()

    @Test("the corpus is there: at least 30 proven programs")
    func corpusIsThere() {
        #expect(Self.names.count >= 30, "\(Self.names.count) programs in \(Self.directory.path)")
    }

    @Test("verified by default and prints what the unverified run prints", arguments: names)
    func runsByDefault(name: String) throws {
        let memory = FileManager.default.temporaryDirectory.appendingPathComponent("corpus-\(name)-\(UUID()).bin")
        try Data(Self.input).write(to: memory)
        defer { try? FileManager.default.removeItem(at: memory) }
        let object = "Tests/Corpus/verifier/\(name).o"
        let unverified = try ToolProcess.run("ebpf", ["run", object, "--mem", memory.path, "--unverified"])
        #expect(unverified.status == 0, "stderr: \(unverified.standardError)")
        for engine in [[], ["--engine", "jit"]] {
            let result = try ToolProcess.run("ebpf", ["run", object, "--mem", memory.path] + engine)
            #expect(result.status == 0, "\(engine): \(result.standardError)")
            #expect(result.standardOutput == unverified.standardOutput, "\(engine)")
        }
    }
}
