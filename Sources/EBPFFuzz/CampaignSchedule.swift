/// What a campaign's report holds that the shared schedule reads and advances.
protocol CampaignReport {
    var programs: Int { get set }
    var lastSeed: UInt64 { get set }
    var elapsed: Duration { get set }
    /// Failures of every kind so far (the schedule stops at the campaign's maximum).
    var failureCount: Int { get }
}

extension CampaignReport {
    /// `counts` as "key value" pairs in key order, comma-separated, for the reports' descriptions.
    static func countList(_ counts: [String: Int]) -> String {
        counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }
}

/// The loop every campaign runs: one program per seed from `firstSeed`, until `maxPrograms`
/// programs, `duration` (checked every 16 programs) or `maxFailures` failures, whichever comes
/// first, with `progress` called every `progressInterval` programs.
struct CampaignSchedule {
    var firstSeed: UInt64
    var duration: Duration?
    var maxPrograms: Int?
    var maxFailures: Int

    /// Runs `program` for each seed; it records into the report, and the schedule counts it.
    func run<Report: CampaignReport>(
        _ report: inout Report, progressInterval: Int, progress: (Report) -> Void,
        program: (UInt64, inout Report) -> Void
    ) {
        let clock = ContinuousClock()
        let start = clock.now
        var seed = firstSeed
        while report.failureCount < maxFailures {
            if let maxPrograms, report.programs >= maxPrograms { break }
            if let duration, report.programs % 16 == 0, clock.now - start >= duration { break }
            program(seed, &report)
            report.programs += 1
            report.lastSeed = seed
            seed &+= 1
            if report.programs % progressInterval == 0 {
                report.elapsed = clock.now - start
                progress(report)
            }
        }
        report.elapsed = clock.now - start
    }
}
