import Foundation

/// How many generated programs a differential test runs, read from the environment so that the
/// same test is a quick check under `swift test` and a long fuzz campaign when asked:
///
/// - `EBPF_FUZZ_PROGRAMS`: number of programs (default: the test's own count);
/// - `EBPF_FUZZ_FIRST_SEED`: the first seed (default 0), to resume or to shard a campaign;
/// - `EBPF_FUZZ_MAX_FAILURES`: stop after this many disagreements (default 1).
///
/// ```
/// EBPF_FUZZ_PROGRAMS=2000000 EBPF_FUZZ_FIRST_SEED=1000000 swift test -c release --filter Differential
/// ```
public struct FuzzSettings: Sendable, Hashable {
    public var firstSeed: UInt64
    public var programCount: Int
    public var maxFailures: Int

    public init(firstSeed: UInt64 = 0, programCount: Int, maxFailures: Int = 1) {
        self.firstSeed = firstSeed
        self.programCount = programCount
        self.maxFailures = maxFailures
    }

    /// The settings from the environment, with `defaultProgramCount` when `EBPF_FUZZ_PROGRAMS` is
    /// unset or not a number.
    public static func fromEnvironment(
        defaultProgramCount: Int, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> FuzzSettings {
        FuzzSettings(
            firstSeed: environment["EBPF_FUZZ_FIRST_SEED"].flatMap { UInt64($0) } ?? 0,
            programCount: environment["EBPF_FUZZ_PROGRAMS"].flatMap { Int($0) } ?? defaultProgramCount,
            maxFailures: environment["EBPF_FUZZ_MAX_FAILURES"].flatMap { Int($0) } ?? 1
        )
    }

    /// The seeds to run.
    public var seeds: Range<UInt64> { firstSeed..<(firstSeed + UInt64(max(0, programCount))) }
}
