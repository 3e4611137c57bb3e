import EBPFCore

/// What a successful verification produces: the facts engines may rely on, the analysis
/// statistics and, when asked for, the log.
public struct VerificationResult: Sendable {
    /// Proven accesses and divisors, stack depth, call depth, termination.
    public var facts: VerifiedFacts
    /// The loop policy the facts were proven under: the one asked for, or for
    /// ``VerifierOptions/LoopPolicy/automatic`` the one that succeeded (`bounded` or `widening`).
    public var loops: VerifierOptions.LoopPolicy
    /// Bit `r` of `liveRegisters[pc]` is set when R`r` may be read at or after `pc` before being
    /// written (0 for the second slot of an `lddw`).
    public var liveRegisters: [UInt16]
    /// Stack bytes used below R10 by each function, keyed by the function's first instruction.
    public var stackDepthByFunction: [Int: Int]
    public var statistics: VerifierStatistics
    /// One line per processed instruction and per branch taken up, when
    /// ``VerifierOptions/collectsLog`` is set.
    public var log: [String]
}

/// How much work the analysis did.
public struct VerifierStatistics: Sendable, Hashable, CustomStringConvertible {
    /// Instructions stepped through over all paths (the kernel's `processed N insns`).
    public var processedInstructions: Int
    /// States stored at prune points.
    public var totalStates: Int
    /// The most states stored at once.
    public var peakStates: Int
    /// Paths cut short because a stored state covered them.
    public var prunedPaths: Int
    public var duration: Duration

    public var description: String {
        "processed \(processedInstructions) insns, total_states \(totalStates), peak_states \(peakStates), pruned \(prunedPaths), time \(duration)"
    }
}
