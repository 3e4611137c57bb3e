import EBPF

/// What `ebpf bench` measured for one program; the `--json` output.
struct BenchReport: Codable {
    /// Time to prepare the program, in nanoseconds (median over repetitions); `nil` when not measured.
    struct CompileTimes: Codable {
        /// Decoding the bytecode into a `Program`.
        var decodeNs: Double
        /// The verifier (`nil` with `--unverified`).
        var verifyNs: Double?
        /// Building the interpreter's pre-decoded dispatch table.
        var interpreterPrepareNs: Double?
        /// The whole JIT compilation (`JIT.compile`, timed from outside).
        var jitCompileNs: Double?
        /// The JIT's own phases (`CompilationStatistics`), each the median over the same
        /// compilations as ``jitCompileNs``: analysis of the decoded program (slots, used
        /// registers, registers to zero), the JIT's address analysis (0 when the verifier proved
        /// every access safe), emission (lowering and encoding, every jump long), branch
        /// relaxation (shortening jumps in place) and mapping the code executable (mmap, copy,
        /// mprotect). Medians need not add up to the median total; in each compilation the
        /// phases sum to at most its total.
        var jitAnalysisNs: Double?
        var jitAddressAnalysisNs: Double?
        var jitEmissionNs: Double?
        var jitBranchRelaxationNs: Double?
        var jitExecutableMappingNs: Double?
    }

    /// One engine's (or the native function's) measurement.
    struct EngineResult: Codable {
        /// `interpreter`, `jit` or `native`.
        var engine: String
        /// R0 in hex (a 64-bit value does not fit a JSON number exactly).
        var result: String
        var timing: BenchStatistics
    }

    var program: String
    var instructions: Int
    var memoryBytes: Int
    var verified: Bool
    /// The loop policy the verifier's facts were proven under (`bounded` or `widening` for
    /// `automatic`); `nil` when unverified.
    var verifierLoops: String?
    /// Why the verifier rejected the program when `--fallback-unverified` let it run anyway.
    var verifierRejection: String?
    /// Maps the program refers to (an ELF object's program linked against its maps); 0 otherwise.
    var maps: Int
    /// Runs per timing sample.
    var iterations: Int
    var compile: CompileTimes
    /// Bytes of x86-64 code the JIT generated.
    var codeBytes: Int?
    var engines: [EngineResult]
    /// Whether every engine (and the native function) returned the same value.
    var resultsAgree: Bool
    var jitOverNative: Double?
    var interpreterOverNative: Double?
    var interpreterOverJIT: Double?
}

extension BenchReport.CompileTimes {
    /// Fills in the JIT's phases: the median of each over `statistics` (one per compilation).
    mutating func recordPhases(_ statistics: [CompilationStatistics]) {
        guard !statistics.isEmpty else { return }
        func median(_ phase: (CompilationStatistics) -> Duration) -> Double {
            BenchStatistics(samples: statistics.map { Self.nanoseconds(phase($0)) }).medianNs
        }
        jitAnalysisNs = median(\.analysis)
        jitAddressAnalysisNs = median(\.addressAnalysis)
        jitEmissionNs = median(\.emission)
        jitBranchRelaxationNs = median(\.branchRelaxation)
        jitExecutableMappingNs = median(\.executableMapping)
    }

    private static func nanoseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }
}
