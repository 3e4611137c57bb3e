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
        /// The whole JIT compilation: analysis, register allocation, emission and mapping the code
        /// executable (the JIT does not report its phases separately).
        var jitCompileNs: Double?
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
