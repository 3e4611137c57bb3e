import EBPFCore
import EBPFProgramGenerator

extension DifferentialHarness {
    /// Generates the program of each seed, compares the engines on it and tallies the results,
    /// stopping after `maxFailures` disagreements.
    ///
    /// A failure is reproduced by its seed with the same generator options:
    /// `harness.compare(generator.generate(seed: failure.seed))`.
    public func campaign(
        generator: RandomProgramGenerator, seeds: some Sequence<UInt64>, maxFailures: Int = 1
    ) -> DifferentialCampaignResult {
        var result = DifferentialCampaignResult()
        for seed in seeds {
            let generated = generator.generate(seed: seed)
            let outcome = compare(generated)
            result.record(outcome, seed: seed)
            if result.failures.count >= maxFailures { break }
        }
        return result
    }

    /// ``campaign(generator:seeds:maxFailures:)`` over the seeds and failure limit of `settings`
    /// (see ``FuzzSettings/fromEnvironment(defaultProgramCount:environment:)``).
    public func campaign(generator: RandomProgramGenerator, settings: FuzzSettings) -> DifferentialCampaignResult {
        campaign(generator: generator, seeds: settings.seeds, maxFailures: settings.maxFailures)
    }

    /// A smaller program on which the engines still disagree in the same ways as in `outcome`
    /// (see ``ProgramMinimizer``). Runs each candidate program on both engines, so give the
    /// runners a modest instruction budget: dropping instructions can create infinite loops.
    public func minimize(_ outcome: DifferentialOutcome) -> DifferentialOutcome {
        guard !outcome.agrees else { return outcome }
        let kinds = outcome.differenceKinds
        let smaller = ProgramMinimizer.minimize(outcome.program) { candidate in
            compare(candidate, memory: outcome.memory).differenceKinds.isSuperset(of: kinds)
        }
        return compare(smaller, memory: outcome.memory)
    }
}

/// Tallies of a ``DifferentialHarness/campaign(generator:seeds:maxFailures:)`` run.
public struct DifferentialCampaignResult: Sendable {
    /// A seed whose program the engines disagreed on.
    public struct Failure: Sendable {
        public let seed: UInt64
        public let outcome: DifferentialOutcome
    }

    public private(set) var programCount = 0
    /// Programs the reference engine ran to `exit`.
    public private(set) var returnedCount = 0
    /// Programs the reference engine stopped, by trap kind (`outOfBounds`, `budgetExhausted`, ...).
    public private(set) var trapCounts: [String: Int] = [:]
    /// Programs the reference runner factory refused.
    public private(set) var notRunCount = 0
    public private(set) var failures: [Failure] = []

    public init() {}

    mutating func record(_ outcome: DifferentialOutcome, seed: UInt64) {
        programCount += 1
        switch outcome.reference.termination {
        case .returned: returnedCount += 1
        case .trapped(let trap): trapCounts[trap.kindName, default: 0] += 1
        case .notRun: notRunCount += 1
        }
        if !outcome.agrees { failures.append(Failure(seed: seed, outcome: outcome)) }
    }
}
