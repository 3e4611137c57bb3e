import EBPF
import EBPFTestSupport
import Foundation
import Testing

/// The verifier corpus (`Tests/Corpus/verifier`): C programs compiled with `clang -O2 -target bpf`,
/// each reading a buffer whose length arrives in R2 and each safe for every length.
///
/// The suite checks the corpus's own promise first (run unverified, with every access checked at
/// run time, no program traps at any length, and the JIT agrees with the interpreter), then which
/// programs the verifier proves under the default loop policy, with the length only in R2 and with
/// a fixed input size.
@Suite("Verifier corpus")
struct VerifierCorpusTests {
    static let directory = RepositoryLayout.url("Tests/Corpus/verifier")

    static let names: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".c") }.map { String($0.dropLast(2)) }.sorted()
    }()

    /// Programs proven under the default policy (`automatic`) with the length only in R2 (no
    /// `contextSize`): the verifier must keep proving these. Issue #16 aims at every program.
    /// `automatic` runs `widening` first on a program with loops (the zone proves the accesses, a
    /// counter that the loops exit) and walks it with `bounded` only to prove termination or
    /// when `widening` rejects it (copy_to_stack), in milliseconds each (docs/benchmarks.md).
    /// Not proven: data_dependent_inner and offset_from_data (`i + j < len` and
    /// `i < len - off` relate three values, beyond differences), sieve (`j = i * i`).
    static let verifiesWithLengthInR2: Set<String> = Set(names).subtracting([
        "data_dependent_inner", "offset_from_data", "sieve",
    ])

    /// Programs proven with a fixed input size of 1,500 bytes under the default policy (the same
    /// three are out of reach).
    static let verifiesWithFixedSize: Set<String> = Set(names).subtracting([
        "data_dependent_inner", "offset_from_data", "sieve",
    ])

    /// Programs the `widening` policy proves with the length only in R2, in milliseconds: the
    /// zone keeps `i < len`, `p = data + i` and `i + 4 <= len` across loop joins. Not proven:
    /// copy_to_stack (its second loop reads stack bytes the first wrote only for i < n: `bounded`
    /// proves it), data_dependent_inner and offset_from_data (`i + j < len` and
    /// `i < len - off` relate three values, beyond differences), sieve (`j = i * i`).
    static let wideningVerifiesWithLengthInR2: Set<String> = Set(names).subtracting([
        "copy_to_stack", "data_dependent_inner", "offset_from_data", "sieve",
    ])

    /// Programs the `widening` policy proves with a fixed size of 1,500 bytes (the same three
    /// are out of reach).
    static let wideningVerifiesWithFixedSize: Set<String> = Set(names).subtracting([
        "data_dependent_inner", "offset_from_data", "sieve",
    ])

    /// Lengths every program is run at: all short ones (where header checks fail one by one),
    /// then a few long ones.
    static let lengths: [Int] = Array(0...96) + [127, 128, 129, 255, 1500]

    static func link(_ name: String) throws -> LinkedProgram {
        let bytes = try Data(contentsOf: directory.appendingPathComponent(name + ".o"))
        let object = try LoadedObject(bytes: Array(bytes))
        return try object.link(name)
    }

    static func configuration(
        engine: Engine, verify: Bool, contextSize: Int? = nil, loops: VerifierOptions.LoopPolicy = .automatic
    ) -> ExecutionConfiguration {
        var configuration = ExecutionConfiguration()
        configuration.engine = engine
        configuration.verify = verify
        configuration.verifierOptions.loops = loops
        configuration.verifierOptions.contextSize = contextSize
        return configuration
    }

    @Test("the corpus holds every program the lists name")
    func corpusIsComplete() {
        #expect(Self.names.count >= 30, "only \(Self.names.count) programs in \(Self.directory.path)")
        let known = Set(Self.names)
        #expect(Self.verifiesWithLengthInR2.subtracting(known).isEmpty)
        #expect(Self.verifiesWithFixedSize.subtracting(known).isEmpty)
        #expect(Self.wideningVerifiesWithLengthInR2.count == Self.names.count - 4)
        #expect(Self.wideningVerifiesWithFixedSize.count == Self.names.count - 3)
    }

    @Test("safe at every length: unverified runs with run-time checks never trap, and both engines agree",
          arguments: names)
    func safeAtEveryLength(name: String) throws {
        let linked = try Self.link(name)
        let interpreter = try linked.prepare(configuration: Self.configuration(engine: .interpreter, verify: false))
        let jit = try linked.prepare(configuration: Self.configuration(engine: .jit, verify: false))
        var random = SplitMix64(seed: name.utf8.reduce(0x5eed) { $0 &* 31 &+ UInt64($1) })
        let trace = TraceLog()
        for length in Self.lengths {
            for round in 0..<2 {
                // Round 0: random bytes; round 1: bytes that look like an IPv4/TCP frame where
                // they can, so header parsers get past their first checks.
                var input = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                if round == 1 { Self.shapeAsFrame(&input) }
                var first = input
                var second = input
                let expected = Self.outcome { () throws(ExecutionTrap) in try linked.run(using: interpreter, bytes: &first, trace: trace) }
                let actual = Self.outcome { () throws(ExecutionTrap) in try linked.run(using: jit, bytes: &second, trace: trace) }
                guard case .success(let value) = expected else {
                    Issue.record("\(name) trapped at length \(length): \(expected)")
                    return
                }
                #expect(actual == .success(value), "\(name) at length \(length): JIT \(actual), interpreter \(value)")
                #expect(first == second, "\(name) at length \(length): the engines left different bytes")
            }
        }
    }

    @Test("verifies with the length only in R2", arguments: verifiesWithLengthInR2.sorted())
    func provenWithLengthInR2(name: String) throws {
        let linked = try Self.link(name)
        let result = try linked.verify(configuration: Self.configuration(engine: .jit, verify: true))
        #expect(result != nil)
    }

    @Test("verifies with a fixed input size", arguments: verifiesWithFixedSize.sorted())
    func provenWithFixedSize(name: String) throws {
        let linked = try Self.link(name)
        let result = try linked.verify(configuration: Self.configuration(engine: .jit, verify: true, contextSize: 1500))
        #expect(result != nil)
    }

    /// `LinkedProgram.prepare()` with the default configuration (the interpreter; the `automatic`
    /// loop policy; no memory size, so the length is only in R2), and the JIT with only the engine
    /// changed: both verify and return what the unverified interpreter returns, at every length.
    @Test("prepared with the default configuration", arguments: verifiesWithLengthInR2.sorted())
    func preparedByDefault(name: String) throws {
        let linked = try Self.link(name)
        let reference = try linked.prepare(configuration: Self.configuration(engine: .interpreter, verify: false))
        let runners = [try linked.prepare(), try linked.prepare(configuration: ExecutionConfiguration(engine: .jit))]
        var random = SplitMix64(seed: 0x5eed)
        let trace = TraceLog()
        for length in [0, 1, 13, 14, 34, 54, 63, 64, 65, 200, 1500] {
            var input = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            Self.shapeAsFrame(&input)
            var expectedBytes = input
            let expected = Self.outcome { () throws(ExecutionTrap) in try linked.run(using: reference, bytes: &expectedBytes, trace: trace) }
            for runner in runners {
                var bytes = input
                let actual = Self.outcome { () throws(ExecutionTrap) in try linked.run(using: runner, bytes: &bytes, trace: trace) }
                #expect(actual == expected, "\(name) at length \(length)")
                #expect(bytes == expectedBytes)
            }
        }
    }

    @Test("widening verifies with the length only in R2", arguments: wideningVerifiesWithLengthInR2.sorted())
    func provenByWideningWithLengthInR2(name: String) throws {
        let linked = try Self.link(name)
        let result = try linked.verify(configuration: Self.configuration(engine: .jit, verify: true, loops: .widening))
        #expect(result != nil)
    }

    @Test("widening verifies with a fixed input size", arguments: wideningVerifiesWithFixedSize.sorted())
    func provenByWideningWithFixedSize(name: String) throws {
        let linked = try Self.link(name)
        let result = try linked.verify(
            configuration: Self.configuration(engine: .jit, verify: true, contextSize: 1500, loops: .widening))
        #expect(result != nil)
    }

    static func outcome(_ body: () throws(ExecutionTrap) -> UInt64) -> Result<UInt64, ExecutionTrap> {
        do throws(ExecutionTrap) { return .success(try body()) } catch { return .failure(error) }
    }

    /// Ethernet type IPv4, IHL 5, protocol TCP, where the bytes exist.
    static func shapeAsFrame(_ bytes: inout [UInt8]) {
        let fields: [(Int, UInt8)] = [(12, 0x08), (13, 0x00), (14, 0x45), (23, 6), (36, 0), (37, 80), (47, 0x02)]
        for (offset, value) in fields where offset < bytes.count { bytes[offset] = value }
    }
}
