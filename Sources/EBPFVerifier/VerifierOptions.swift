/// How strict the verifier is and what it may assume about the program's environment.
public struct VerifierOptions: Sendable {
    /// What the verifier does with loops.
    public enum LoopPolicy: String, Sendable, Hashable, CaseIterable {
        /// Every back-edge is rejected (the original eBPF rule, kernels before 5.3).
        case strict
        /// Loops are accepted when exploring every path proves that they exit: each iteration is
        /// followed until its state repeats (an infinite loop) or the processed-instruction
        /// budget runs out (the rule of kernels since 5.3).
        case bounded
        /// Loops are accepted when abstract interpretation with widening finds a loop invariant
        /// under which every access is safe (as PREVAIL, the verifier of eBPF for Windows, does):
        /// at a loop head the states arriving are joined, and bounds that keep growing are widened
        /// to thresholds taken from the program's constants, until the invariant is stable. Memory
        /// safety is proven for every iteration; termination is not (`terminates` is false when
        /// the program has a loop), so the engines keep counting their instruction budget.
        case widening
        /// Proven memory safety and termination by the cheapest analysis that gives them.
        /// Without loops, `bounded`. With loops, `widening` first (milliseconds, whatever the trip
        /// counts): when it also proves that every run ends, that is the answer; when it proves
        /// safety only, `bounded` tries to prove termination within
        /// ``VerifierOptions/automaticBoundedBudget`` processed instructions and the `widening`
        /// facts stay if it gives up; when `widening` rejects the program, `bounded` with the
        /// whole budget (so nothing `bounded` accepts is lost). An endless loop `bounded`
        /// detects is rejected, as the kernel does. ``VerificationResult/loops`` says which
        /// policy produced the facts.
        case automatic
    }

    public var loops: LoopPolicy
    /// Programs longer than this (in 8-byte slots) are rejected before analysis.
    public var maxInstructions: Int
    /// Instructions the analysis may step through over all paths before giving up
    /// (`BPF program is too large`), as the kernel's complexity limit.
    public var processedInstructionBudget: Int
    /// Under ``LoopPolicy/automatic``, the processed-instruction budget (at most
    /// ``processedInstructionBudget``) of the `bounded` attempt made when `widening` proved a
    /// program safe but not that it terminates. Small, because that attempt fails for every loop
    /// over an input of unknown length, and its cost is the whole cost of such a program: a
    /// processed instruction costs about 0.3–2.5 µs in a release build, depending on how many
    /// states each prune point compares.
    public var automaticBoundedBudget: Int
    /// Under `bounded`, the most conditional jumps on one path whose outcome the state did not
    /// decide (both sides explored) before the walk gives up with
    /// ``VerifierError/Kind/budgetExhausted``; `nil` for no limit. ``LoopPolicy/automatic`` sets
    /// it for the attempt made after `widening` proved a program safe but not that it ends: a loop
    /// whose exit depends on the input's length or bytes adds one such jump per iteration, and
    /// the walk would only end at the cap.
    var undecidedBranchLimit: Int?
    /// The size of the input memory (R1, with its length in R2) when the caller knows it. When
    /// `nil` the memory is treated like packet data: R1 + R2 is its end, and every access must
    /// first be proven against the length by a comparison (of R2, or of a pointer with R1 + R2).
    public var contextSize: Int?
    /// A typed context (XDP's `xdp_md`, a socket filter's `__sk_buff`): R1 points at it, R2 is
    /// not set, and the packet is reached only through the context's pointer fields. Takes
    /// precedence over ``contextSize``.
    public var context: ContextDescriptor?
    /// The program's licence; helpers marked GPL-only need a GPL-compatible one.
    public var license: String?
    /// Maps that `lddw` may reference, by file descriptor or index.
    public var maps: [Int32: MapDescriptor]
    /// Whether to record a log of every processed instruction and its register state.
    public var collectsLog: Bool
    /// Lines kept in the log at most (later lines are dropped and counted).
    public var maxLogLines: Int

    public init(
        loops: LoopPolicy = .bounded,
        maxInstructions: Int = 1_000_000,
        processedInstructionBudget: Int = 1_000_000,
        automaticBoundedBudget: Int = VerifierOptions.defaultAutomaticBoundedBudget,
        contextSize: Int? = nil,
        license: String? = nil,
        maps: [Int32: MapDescriptor] = [:],
        collectsLog: Bool = false,
        maxLogLines: Int = 100_000,
        context: ContextDescriptor? = nil
    ) {
        self.context = context
        self.loops = loops
        self.maxInstructions = maxInstructions
        self.processedInstructionBudget = processedInstructionBudget
        self.automaticBoundedBudget = automaticBoundedBudget
        self.contextSize = contextSize
        self.license = license
        self.maps = maps
        self.collectsLog = collectsLog
        self.maxLogLines = maxLogLines
    }
}

extension VerifierOptions {
    /// The default ``automaticBoundedBudget``.
    public static let defaultAutomaticBoundedBudget = 10_000
    /// The ``undecidedBranchLimit`` of the `automatic` policy's `bounded` attempt.
    static let automaticUndecidedBranchLimit = 64

    /// Whether ``license`` is one the kernel accepts as GPL-compatible
    /// (`license_is_gpl_compatible`): GPL-only helpers need one.
    var hasGPLCompatibleLicense: Bool {
        guard let license else { return false }
        return ["GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"]
            .contains(license)
    }
}
