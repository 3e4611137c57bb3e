import ArgumentParser
import EBPFFuzz
import Foundation

/// `ebpf-fuzz`: differential fuzzing of the interpreter against the JIT (and optionally the Linux
/// kernel), seeded and reproducible.
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ebpf-fuzz",
        abstract: "Compare the interpreter, the JIT (and the kernel) on generated programs.",
        discussion: """
            Seed N always generates the same program, and picks the JIT configuration from N too, so \
            `--seed N --programs 1` reproduces a failure. Divergences are minimized and written to \
            --save-failures as regression files that `swift test` replays.
            """)

    @Option(help: "Stop after this many seconds.") var seconds: Double?
    @Option(help: "Stop after this many programs.") var programs: Int?
    @Option(help: "The first seed.") var seed: UInt64 = 0
    @Option(help: "Program family: \(FuzzPreset.allCases.map(\.rawValue).joined(separator: ", ")).")
    var preset: String = FuzzPreset.mixed.rawValue
    @Option(name: .customLong("save-failures"), help: "Directory for minimized failures.") var saveFailures: String?
    @Option(name: .customLong("max-failures"), help: "Stop after this many divergences.") var maxFailures: Int = 10
    @Flag(help: "Also run ALU/JMP programs on the Linux kernel (BPF_PROG_TEST_RUN).") var kernel = false
    @Option(name: .customLong("kernel-limit"), help: "With --preset verifierSoundness and --kernel: programs sent to the kernel at most.")
    var kernelLimit: Int = 2_000
    @Flag(help: "Print a progress line every 10000 programs.") var progress = false
    @Flag(name: .customLong("blinding-cost"), help: "Measure code size and run time with and without constant blinding, then exit.")
    var blindingCost = false

    func validate() throws {
        guard FuzzPreset(rawValue: preset) != nil else { throw ValidationError("unknown preset `\(preset)`") }
        guard blindingCost || seconds != nil || programs != nil else { throw ValidationError("give --seconds or --programs") }
    }

    func run() throws {
        if blindingCost {
            print(try BlindingCost.measure(programs: programs ?? 200, firstSeed: seed))
            return
        }
        if kernel && !KernelOracle.isAvailable {
            print("warning: bpf() is refused here (needs root or CAP_BPF); running without the kernel oracle")
        }
        if FuzzPreset(rawValue: preset) == .verifierSoundness {
            let campaign = VerifierSoundnessCampaign(
                firstSeed: seed, duration: seconds.map { .milliseconds(Int64($0 * 1000)) }, maxPrograms: programs,
                maxFailures: maxFailures, usesKernel: kernel && KernelOracle.isAvailable, kernelLimit: kernelLimit)
            let report = campaign.run { partial in
                if progress {
                    print("… \(partial.programs) programs, \(partial.acceptedPrograms) accepted, last seed \(partial.lastSeed), \(partial.failures.count) failures, \(partial.elapsed)")
                }
            }
            print(report)
            print("seeds \(seed)...\(report.lastSeed)")
            if !report.failures.isEmpty || !report.kernelFailures.isEmpty { throw ExitCode(1) }
            return
        }
        let campaign = FuzzCampaign(
            preset: FuzzPreset(rawValue: preset)!, firstSeed: seed,
            duration: seconds.map { .milliseconds(Int64($0 * 1000)) }, maxPrograms: programs,
            maxFailures: maxFailures, failureDirectory: saveFailures, usesKernel: kernel && KernelOracle.isAvailable)
        let report = campaign.run { partial in
            if progress { print("… \(partial.programs) programs, last seed \(partial.lastSeed), \(partial.failures.count) divergences, \(partial.elapsed)") }
        }
        print(report)
        print("seeds \(seed)...\(report.lastSeed)")
        if !report.failures.isEmpty || !report.kernelFailures.isEmpty { throw ExitCode(1) }
    }
}

FuzzCommand.main()
