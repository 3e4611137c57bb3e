import EBPFCore
import EBPFJIT
import EBPFDifferential
import EBPFProgramGenerator
import EBPFVerifier
import Foundation

/// A seeded, reproducible differential fuzzing run: generated programs through the interpreter and
/// the JIT (cycling through ``FuzzEngines/jitOptions``, with and without the verifier's facts),
/// until a time or program limit. Each divergence is minimized and, when a directory is given,
/// written there as a ``RegressionCase`` file.
public struct FuzzCampaign {
    public var preset: FuzzPreset
    public var firstSeed: UInt64
    /// Stop after this long (nil: only `maxPrograms` limits the run).
    public var duration: Duration?
    public var maxPrograms: Int?
    /// Stop after this many divergences.
    public var maxFailures: Int
    /// Where minimized failures are written (nil: not written).
    public var failureDirectory: String?
    /// Also run the ALU/JMP programs on the Linux kernel (see ``KernelOracle``).
    public var usesKernel: Bool
    /// Builds the harness for one seed from its JIT options, limits, verifier context size and
    /// loop policy (``FuzzEngines/harness(jit:limits:verifiedContextSize:loops:helpers:)`` unless
    /// a test plants a faulty engine).
    public var makeHarness: (JITOptions, ExecutionLimits, Int?, VerifierOptions.LoopPolicy) -> DifferentialHarness = {
        options, limits, context, loops in
        FuzzEngines.harness(jit: options, limits: limits, verifiedContextSize: context, loops: loops)
    }

    public init(
        preset: FuzzPreset = .mixed, firstSeed: UInt64 = 0, duration: Duration? = nil, maxPrograms: Int? = nil,
        maxFailures: Int = 10, failureDirectory: String? = nil, usesKernel: Bool = false
    ) {
        self.preset = preset
        self.firstSeed = firstSeed
        self.duration = duration
        self.maxPrograms = maxPrograms
        self.maxFailures = maxFailures
        self.failureDirectory = failureDirectory
        self.usesKernel = usesKernel
    }

    /// A divergence: the seed and configuration that reproduce it and the minimized outcome.
    public struct Failure: Sendable {
        public var seed: UInt64
        public var preset: FuzzPreset
        public var configuration: String
        public var outcome: DifferentialOutcome
        public var regression: RegressionCase
        /// The file it was written to, if any.
        public var path: String?
    }

    /// What a campaign did.
    public struct Report: Sendable, CustomStringConvertible, CampaignReport {
        public var programs = 0
        public var comparisons = 0
        public var returned = 0
        public var trapped: [String: Int] = [:]
        public var notRun = 0
        public var verifiedComparisons = 0
        /// Of the verified comparisons, those with facts from the widening loop policy.
        public var wideningComparisons = 0
        public var kernel = KernelOracle.Tally()
        public var failures: [Failure] = []
        public var kernelFailures: [KernelOracle.Comparison] = []
        public var elapsed: Duration = .zero
        public var lastSeed: UInt64 = 0
        var failureCount: Int { failures.count + kernelFailures.count }

        public var description: String {
            var lines = [
                "programs: \(programs), comparisons: \(comparisons) (\(verifiedComparisons) with verifier facts, \(wideningComparisons) of them widening), elapsed: \(elapsed)",
                "interpreter outcomes: returned \(returned), not run \(notRun), traps \(Self.countList(trapped))",
            ]
            if kernel.attempted > 0 { lines.append("kernel: \(kernel)") }
            lines.append("divergences: \(failures.count + kernelFailures.count)")
            for failure in failures {
                lines.append("seed \(failure.seed) (\(failure.preset.rawValue), \(failure.configuration))\(failure.path.map { " -> \($0)" } ?? ""):")
                lines.append(failure.outcome.description)
            }
            for failure in kernelFailures { lines.append(failure.description) }
            return lines.joined(separator: "\n")
        }
    }

    /// Runs the campaign; `progress` is called about every `progressInterval` programs.
    public func run(progressInterval: Int = 10_000, progress: (Report) -> Void = { _ in }) -> Report {
        var report = Report()
        let kernelOracle = usesKernel ? KernelOracle() : nil
        let schedule = CampaignSchedule(firstSeed: firstSeed, duration: duration, maxPrograms: maxPrograms, maxFailures: maxFailures)
        schedule.run(&report, progressInterval: progressInterval, progress: progress) { seed, report in
            let seedPreset = preset.resolved(seed: seed)
            let generated = RandomProgramGenerator(options: seedPreset.generatorOptions).generate(seed: seed)
            let options = FuzzEngines.jitOptions[Int((seed / 5) % UInt64(FuzzEngines.jitOptions.count))]
            // Safe programs also go through the verifier (with both loop policies that prove loops)
            // so the JIT's check elision is exercised.
            let runs: [(context: Int?, loops: VerifierOptions.LoopPolicy)] =
                seedPreset == .unsafe
                ? [(nil, .bounded)] : [(nil, .bounded), (generated.memorySize, .bounded), (generated.memorySize, .widening)]
            for (context, loops) in runs {
                let harness = makeHarness(options, seedPreset.limits, context, loops)
                let outcome = harness.compare(generated)
                report.comparisons += 1
                if context != nil {
                    report.verifiedComparisons += 1
                    if loops == .widening { report.wideningComparisons += 1 }
                } else {
                    switch outcome.reference.termination {
                    case .returned: report.returned += 1
                    case .trapped(let trap): report.trapped[trap.kindName, default: 0] += 1
                    case .notRun: report.notRun += 1
                    }
                }
                if !outcome.agrees {
                    report.failures.append(
                        record(
                            outcome, harness: harness, seed: seed, preset: seedPreset, options: options, context: context,
                            loops: loops))
                    break
                }
            }
            if let kernelOracle, seedPreset == .aluJump || seedPreset == .kernelStack {
                let comparison = kernelOracle.compare(generated.program)
                report.kernel.record(comparison)
                if comparison.verdict == .diverged { report.kernelFailures.append(comparison) }
            }
        }
        return report
    }

    private func record(
        _ outcome: DifferentialOutcome, harness: DifferentialHarness, seed: UInt64, preset: FuzzPreset,
        options: JITOptions, context: Int?, loops: VerifierOptions.LoopPolicy
    ) -> Failure {
        let minimized = harness.minimize(outcome)
        let configuration = "jit: \(options.registerMap)\(options.allocatesRegisters ? " (allocated per program)" : ""), bmi2 \(options.useBMI2), blinding \(options.constantBlinding)\(context == nil ? "" : ", verifier facts (loops: \(loops))")"
        let name = "fuzz-\(preset.rawValue)-\(seed)"
        let regression = RegressionCase(
            name: name, program: minimized.program, memory: minimized.memory,
            instructionBudget: preset.limits.instructionBudget, verifiedContextSize: context,
            verifierLoops: context == nil ? nil : loops,
            comments: ["found by: ebpf-fuzz --preset \(preset.rawValue) --seed \(seed) --programs 1", configuration],
            observed: minimized.summary)
        var path: String?
        if let directory = failureDirectory {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let file = (directory as NSString).appendingPathComponent(name + ".txt")
            if FileManager.default.createFile(atPath: file, contents: Data(regression.text.utf8)) { path = file }
        }
        return Failure(seed: seed, preset: preset, configuration: configuration, outcome: minimized, regression: regression, path: path)
    }
}
