/// How long each phase of one compilation took: filled in by
/// ``JIT/compile(_:helpers:limits:facts:options:extraRegions:statistics:)``.
///
/// The durations are readings of the monotonic clock (`ContinuousClock`, which reads
/// `clock_gettime(CLOCK_MONOTONIC)`): a handful per compilation plus two per layout pass, no
/// allocation. The phases do not overlap, so their sum is at most ``total``; the rest is the
/// glue between them (building the ``CompiledProgram``, the code-size check).
public struct CompilationStatistics: Sendable, Hashable {
    /// Analysing the program: jump targets, which registers it uses, local calls, static traps.
    public var analysis: Duration = .zero
    /// Register allocation: applying the fixed register map (``RegisterAllocation``) to the
    /// registers the program uses, which decides the live set and the callee-saved registers the
    /// prologue saves. Summed over the layout passes (each pass sets up its lowering anew).
    public var registerAllocation: Duration = .zero
    /// Lowering every instruction to x86-64 and encoding it, over all layout passes (the
    /// assembler reruns until its short/near jump choices settle), excluding
    /// ``registerAllocation``.
    public var emission: Duration = .zero
    /// Mapping the code executable: `mmap`, copying the code, `mprotect` to read-execute
    /// (``ExecutableMemory``).
    public var executableMapping: Duration = .zero
    /// The whole compilation, from entry to the compiled program.
    public var total: Duration = .zero
    /// How many times the assembler ran the lowering before the layout settled.
    public var layoutPasses = 0

    /// Every phase zero; pass it to ``JIT/compile(_:helpers:limits:facts:options:extraRegions:statistics:)``.
    public init() {}

    /// The sum of the four phases (at most ``total``).
    public var phases: Duration {
        analysis + registerAllocation + emission + executableMapping
    }
}

/// Reads the monotonic clock for ``CompilationStatistics``: each ``lap()`` returns the time since
/// the previous one (or since creation).
struct CompilationStopwatch {
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var last: ContinuousClock.Instant

    init() {
        start = clock.now
        last = start
    }

    /// The time since the last lap, and starts the next one.
    mutating func lap() -> Duration {
        let now = clock.now
        defer { last = now }
        return now - last
    }

    /// The time since the stopwatch was created.
    var elapsed: Duration { clock.now - start }

    /// Runs `body` and adds how long it took to `duration`.
    func measure<Result>(into duration: inout Duration, _ body: () -> Result) -> Result {
        let before = clock.now
        let result = body()
        duration += clock.now - before
        return result
    }
}
