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
        /// compilations as ``jitCompileNs``: analysis of the program, register allocation (the
        /// fixed register map applied to the registers the program uses), emission (lowering and
        /// encoding, every layout pass) and mapping the code executable (mmap, copy, mprotect).
        /// Medians need not add up to the median total; in each compilation the phases sum to
        /// at most its total.
        var jitAnalysisNs: Double?
        var jitRegisterAllocationNs: Double?
        var jitEmissionNs: Double?
        var jitExecutableMappingNs: Double?
        /// How many times the JIT's assembler ran the lowering before jump sizes settled.
        var jitLayoutPasses: Int?
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
        jitRegisterAllocationNs = median(\.registerAllocation)
        jitEmissionNs = median(\.emission)
        jitExecutableMappingNs = median(\.executableMapping)
        jitLayoutPasses = statistics.map(\.layoutPasses).max()
    }

    private static func nanoseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }
}
