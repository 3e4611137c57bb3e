/// How long each phase of one compilation took: filled in by
/// ``JIT/compile(_:helpers:limits:facts:options:extraRegions:statistics:)``.
///
/// The durations are readings of the monotonic clock (`ContinuousClock`, which reads
/// `clock_gettime(CLOCK_MONOTONIC)`): one per phase, no allocation. The phases do not overlap,
/// so their sum is at most ``total``; the rest is the glue between them (building the
/// ``CompiledProgram``).
public struct CompilationStatistics: Sendable, Hashable {
    /// Reading the decoded program (``EBPFCore/Program/decoded``, built when the program was):
    /// how each slot is lowered, which registers the program uses, whether it calls helpers or
    /// local functions, each slot's register effects, and the fixed point of the register
    /// liveness, which also says which registers the prologue must zero (one data-flow solve over
    /// the control-flow graph).
    public var analysis: Duration = .zero
    /// The JIT's own address analysis (a data-flow pass that finds accesses needing no check or
    /// a single compare); zero when the verifier proved every access safe, as it is then not run.
    public var addressAnalysis: Duration = .zero
    /// Setting up the lowering (the live registers after each slot, the per-program ``RegisterMap`` of
    /// ``RegisterAllocator``, the live set under it, the callee-saved
    /// registers the prologue saves) and lowering every instruction to x86-64, each jump in its
    /// rel32 form.
    public var emission: Duration = .zero
    /// Shortening the jumps whose displacement fits in rel8 and rebuilding the code in place
    /// (``X86Encoding/X86Assembler/relaxInPlace()``), then mapping the slot offsets to it.
    public var branchRelaxation: Duration = .zero
    /// Mapping the code executable: the code-size check, pages from the process's code page pool,
    /// copying the code, `mprotect` to read-execute (``ExecutableMemory``).
    public var executableMapping: Duration = .zero
    /// The whole compilation, from entry to the compiled program.
    public var total: Duration = .zero

    /// Every phase zero; pass it to ``JIT/compile(_:helpers:limits:facts:options:extraRegions:statistics:)``.
    public init() {}

    /// The sum of the five phases (at most ``total``).
    public var phases: Duration {
        analysis + addressAnalysis + emission + branchRelaxation + executableMapping
    }
}

/// Reads the monotonic clock for ``CompilationStatistics``: each ``lap()`` returns the time since
/// the previous one (or since creation). A stopwatch that is not `enabled` reads no clock and
/// returns zero durations (a compilation without statistics).
struct CompilationStopwatch {
    private let clock = ContinuousClock()
    /// When the stopwatch was created and the last lap ended; nil when not enabled.
    private let start: ContinuousClock.Instant?
    private var last: ContinuousClock.Instant?

    init(enabled: Bool = true) {
        start = enabled ? clock.now : nil
        last = start
    }

    /// The time since the last lap, and starts the next one.
    mutating func lap() -> Duration {
        guard let previous = last else { return .zero }
        let now = clock.now
        last = now
        return now - previous
    }

    /// The time since the stopwatch was created.
    var elapsed: Duration { start.map { clock.now - $0 } ?? .zero }
}
