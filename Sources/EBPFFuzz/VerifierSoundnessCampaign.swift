import EBPFCore
import EBPFDifferential
import EBPFInterpreter
import EBPFProgramGenerator
import EBPFVerifier
import Foundation

/// A seeded campaign against the verifier's soundness: generated programs (with hazards, and
/// accesses whose safety hangs on a bound, a mask or a narrow spill reaching exactly the edge of
/// their region), most of them mutated a little (``ProgramMutator``), are verified under three
/// policies — `bounded` and `widening` with the input size fixed, `automatic` with the length
/// only in R2 — and every program a policy accepts is run by the interpreter with every
/// run-time check in place, on inputs the verifier's assumptions allow (the fixed size with two
/// contents; several lengths when the length is only in R2). An accepted program must never
/// trap (out of bounds, or any other trap), and one whose facts say it terminates must not run
/// out of the default instruction budget.
///
/// One seed in four generates a program without input memory or helpers (stack, loops, local
/// calls, narrow spills, computed stack indexes): with ``usesKernel``, those our verifier
/// accepts also go to the Linux kernel (``KernelOracle``), whose verifier decides too and, where
/// it accepts, whose result must match the interpreter's and the JIT's.
public struct VerifierSoundnessCampaign {
    public var firstSeed: UInt64
    /// Stop after this long (nil: only `maxPrograms` limits the run).
    public var duration: Duration?
    public var maxPrograms: Int?
    /// Stop after this many failures.
    public var maxFailures: Int
    /// Also ask the kernel about the programs without input memory.
    public var usesKernel: Bool
    /// At most this many programs go to the kernel (its verifier has crashed before on loops;
    /// keep its share of the campaign small).
    public var kernelLimit: Int
    /// Bytes the verifier is told the fixed-size input has beyond what the runs give it: 0, or,
    /// to check that the campaign catches an unsound verifier, a planted error.
    public var plantedContextSlack = 0

    public init(
        firstSeed: UInt64 = 0, duration: Duration? = nil, maxPrograms: Int? = nil, maxFailures: Int = 10,
        usesKernel: Bool = false, kernelLimit: Int = 2_000
    ) {
        self.firstSeed = firstSeed
        self.duration = duration
        self.maxPrograms = maxPrograms
        self.maxFailures = maxFailures
        self.usesKernel = usesKernel
        self.kernelLimit = kernelLimit
    }

    /// The instruction budget of a first run; a program whose facts say it terminates is run
    /// again with the default budget before its running out counts as a failure.
    static let quickBudget: UInt64 = 200_000
    /// The verifier's processed-instruction budget in the campaign: a tenth of the default, so
    /// that mutants that loop for long (bounded walks them until the budget runs out, at a cost
    /// that grows faster than the count) cost milliseconds. Soundness does not depend on it.
    public static let processedInstructionBudget = 100_000

    /// Generator options of the programs with input memory.
    public static var memoryOptions: RandomProgramGenerator.Options {
        var options = RandomProgramGenerator.Options.default
        options.memorySize = 1...128
        options.hazardPercent = 1
        options.weights.guardedBufferAccess = 5
        options.weights.stackIndexedAccess = 4
        options.weights.narrowSpill = 4
        return options
    }

    /// Generator options of the programs without input memory or helpers (the kernel's subset).
    public static var stackOptions: RandomProgramGenerator.Options {
        var options = FuzzPreset.kernelStackOptions
        options.hazardPercent = 1
        options.weights.stackIndexedAccess = 5
        return options
    }

    /// A verifier configuration the campaign uses.
    public struct Policy: Sendable, Hashable, CustomStringConvertible {
        public var loops: VerifierOptions.LoopPolicy
        /// Whether the input size is fixed (`contextSize`) or only in R2.
        public var fixedSize: Bool
        public var description: String { "\(loops)\(fixedSize ? "" : ", length in R2")" }
    }

    public static let policies = [
        Policy(loops: .bounded, fixedSize: true), Policy(loops: .widening, fixedSize: true),
        Policy(loops: .automatic, fixedSize: false),
    ]

    /// An accepted program that failed at run time.
    public struct Failure: Sendable, CustomStringConvertible {
        public var seed: UInt64
        public var policy: Policy
        public var memory: [UInt8]
        public var termination: RunTermination
        public var program: Program

        public var description: String {
            (["seed \(seed) (\(policy)), memory of \(memory.count) bytes: \(termination)"]
                + DifferentialOutcome.listing(of: program)).joined(separator: "\n")
        }
    }

    public struct Report: Sendable, CustomStringConvertible, CampaignReport {
        public var programs = 0
        public var mutated = 0
        /// Programs some policy accepted.
        public var acceptedPrograms = 0
        /// Of those, mutants.
        public var acceptedMutants = 0
        public var accepted: [String: Int] = [:]
        public var rejected: [String: Int] = [:]
        /// Rejection messages with their numbers taken out, and how often each came.
        public var rejectionReasons: [String: Int] = [:]
        public var runs = 0
        public var budgetRuns = 0
        public var terminatingClaims = 0
        public var kernel = KernelOracle.Tally()
        public var failures: [Failure] = []
        public var kernelFailures: [KernelOracle.Comparison] = []
        public var elapsed: Duration = .zero
        public var lastSeed: UInt64 = 0
        var failureCount: Int { failures.count + kernelFailures.count }
        /// The seed that took longest (verification and runs), and how long.
        public var slowest: (seed: UInt64, duration: Duration) = (0, .zero)

        public var description: String {
            var lines = [
                "programs: \(programs) (\(mutated) mutated), accepted by some policy: \(acceptedPrograms) (\(acceptedMutants) mutants), elapsed: \(elapsed) (slowest: seed \(slowest.seed), \(slowest.duration))",
                "accepted: " + Self.countList(accepted),
                "rejected: " + Self.countList(rejected),
                "most frequent rejections: "
                    + rejectionReasons.sorted { $0.value > $1.value }.prefix(8).map { "\($0.key) ×\($0.value)" }.joined(separator: "; "),
                "interpreter runs of accepted programs: \(runs) (\(budgetRuns) out of budget, none claimed to terminate), terminating claims: \(terminatingClaims)",
            ]
            if kernel.attempted > 0 { lines.append("kernel: \(kernel)") }
            lines.append("failures: \(failures.count + kernelFailures.count)")
            for failure in failures { lines.append(failure.description) }
            for failure in kernelFailures { lines.append(failure.description) }
            return lines.joined(separator: "\n")
        }
    }

    /// Runs the campaign; `progress` is called about every `progressInterval` programs.
    public func run(progressInterval: Int = 10_000, progress: (Report) -> Void = { _ in }) -> Report {
        var report = Report()
        let kernelOracle = usesKernel ? KernelOracle() : nil
        let clock = ContinuousClock()
        let schedule = CampaignSchedule(firstSeed: firstSeed, duration: duration, maxPrograms: maxPrograms, maxFailures: maxFailures)
        schedule.run(&report, progressInterval: progressInterval, progress: progress) { seed, report in
            let programStart = clock.now
            let (program, generated, wasMutated) = Self.program(seed: seed)
            if wasMutated { report.mutated += 1 }
            var anyAccepted = false
            for policy in Self.policies {
                let contextSize = policy.fixedSize ? generated.memorySize + plantedContextSlack : nil
                let verifier = Verifier(
                    helpers: TestHelpers.registry,
                    options: VerifierOptions(
                        loops: policy.loops, processedInstructionBudget: Self.processedInstructionBudget, contextSize: contextSize))
                let result: VerificationResult
                do throws(VerifierError) {
                    result = try verifier.verify(program)
                } catch {
                    report.rejected[error.kind.rawValue, default: 0] += 1
                    report.rejectionReasons[Self.reason(error), default: 0] += 1
                    continue
                }
                anyAccepted = true
                report.accepted[policy.description, default: 0] += 1
                if result.facts.terminates { report.terminatingClaims += 1 }
                for memory in Self.inputs(for: generated, policy: policy, seed: seed) {
                    report.runs += 1
                    let termination = Self.run(program, memory: memory, terminates: result.facts.terminates)
                    switch termination {
                    case .returned:
                        break
                    case .trapped(.budgetExhausted) where !result.facts.terminates:
                        report.budgetRuns += 1
                    default:
                        report.failures.append(
                            Failure(seed: seed, policy: policy, memory: memory, termination: termination, program: program))
                    }
                }
                if let kernelOracle, policy.fixedSize, generated.memorySize == 0, policy.loops == .bounded,
                    report.kernel.attempted < kernelLimit
                {
                    let comparison = kernelOracle.compare(program)
                    report.kernel.record(comparison)
                    if comparison.verdict == .diverged { report.kernelFailures.append(comparison) }
                }
            }
            if anyAccepted {
                report.acceptedPrograms += 1
                if wasMutated { report.acceptedMutants += 1 }
            }
            let spent = clock.now - programStart
            if spent > report.slowest.duration { report.slowest = (seed, spent) }
        }
        return report
    }

    /// A rejection's message without its numbers (`R3 !read_ok` → `R !read_ok`), for tallies.
    static func reason(_ error: VerifierError) -> String {
        String(error.message.prefix(48).filter { !$0.isNumber })
    }

    /// The program of `seed`: generated (one seed in four without input memory), then in three
    /// seeds out of four mutated one to three times.
    public static func program(seed: UInt64) -> (Program, GeneratedProgram, mutated: Bool) {
        let options = seed % 4 == 3 ? stackOptions : memoryOptions
        let generated = RandomProgramGenerator(options: options).generate(seed: seed)
        var mutator = ProgramMutator(seed: SplitMix64.mix(seed ^ 0x5eed_f00d))
        let mutations = [0, 1, 1, 2, 2, 3, 1, 0][Int(SplitMix64.mix(seed) % 8)]
        guard mutations > 0 else { return (generated.program, generated, false) }
        let mutated = mutator.mutate(generated.program.instructions, count: mutations)
        return (Program(unchecked: mutated), generated, true)
    }

    /// Inputs the policy's proof covers: with a fixed size, the generated contents and another
    /// fill of that size; with the length in R2, that content cut to several lengths (0 too).
    static func inputs(for generated: GeneratedProgram, policy: Policy, seed: UInt64) -> [[UInt8]] {
        let memory = generated.memory
        if policy.fixedSize {
            var random = SplitMix64(seed: seed)
            return [memory, memory.map { _ in UInt8(truncatingIfNeeded: random.next()) }]
        }
        let lengths = Set([0, memory.count / 2, memory.count, max(0, memory.count - 1)])
        return lengths.sorted().map { Array(memory.prefix($0)) }
    }

    /// An interpreter run with every check in place: with the quick budget, and again with the
    /// default budget when the facts say the program terminates and the quick one ran out.
    static func run(_ program: Program, memory: [UInt8], terminates: Bool) -> RunTermination {
        var budget = quickBudget
        while true {
            let interpreter = Interpreter(
                program: program, helpers: TestHelpers.registry, limits: ExecutionLimits(instructionBudget: budget))
            var bytes = memory
            do throws(ExecutionTrap) {
                return .returned(try interpreter.run(&bytes))
            } catch {
                if case .budgetExhausted = error, terminates, budget < ExecutionLimits.defaultInstructionBudget {
                    budget = ExecutionLimits.defaultInstructionBudget
                    continue
                }
                return .trapped(error)
            }
        }
    }
}
