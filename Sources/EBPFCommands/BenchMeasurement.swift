/// The timing loops of `ebpf bench`: warm-up, then `samples` samples of `iterations` runs each.
enum BenchMeasurement {
    /// What one timed function produced.
    struct Outcome {
        var result: UInt64
        var statistics: BenchStatistics
    }

    /// Warms `body` up and times it; every run must return the first run's result (a program that
    /// changes its own input memory between runs is reported, not averaged over).
    ///
    /// - Parameter iterations: runs per sample; `nil` picks enough for a sample to last about
    ///   `targetSampleNs`.
    @inline(__always)
    static func measure<Failure: Error>(
        iterations: Int?, samples: Int, targetSampleNs: UInt64 = 5_000_000,
        _ body: () throws(Failure) -> UInt64
    ) throws -> (outcome: Outcome, iterations: Int) {
        let first = try body()
        let runs = try iterations ?? calibrate(targetSampleNs: targetSampleNs, body)
        var mismatch: UInt64? = nil
        // Warm-up: one sample's worth of runs, not recorded.
        for _ in 0..<runs {
            let value = try body()
            if value != first { mismatch = value }
        }
        var perRun: [Double] = []
        perRun.reserveCapacity(samples)
        for _ in 0..<samples {
            var differing: UInt64 = 0
            let start = BenchClock.now()
            for _ in 0..<runs {
                differing |= try body() ^ first
            }
            let elapsed = BenchClock.now() &- start
            if differing != 0 { mismatch = differing ^ first }
            perRun.append(Double(elapsed) / Double(runs))
        }
        if let mismatch {
            throw CommandFailure(
                "a repeated run returned 0x\(String(mismatch, radix: 16)) after the first returned 0x\(String(first, radix: 16)); the program must not depend on state left by earlier runs")
        }
        return (Outcome(result: first, statistics: BenchStatistics(samples: perRun)), runs)
    }

    /// Doubles the run count until a batch lasts a tenth of the target, then scales up.
    private static func calibrate<Failure: Error>(
        targetSampleNs: UInt64, _ body: () throws(Failure) -> UInt64
    ) throws(Failure) -> Int {
        var runs = 1
        while true {
            let start = BenchClock.now()
            for _ in 0..<runs { _ = try body() }
            let elapsed = max(BenchClock.now() &- start, 1)
            if elapsed >= targetSampleNs / 10 || runs >= 1 << 24 {
                let scaled = Double(runs) * Double(targetSampleNs) / Double(elapsed)
                return max(1, min(Int(scaled.rounded()), 1 << 26))
            }
            runs *= 2
        }
    }

    /// The median time of `body` in nanoseconds over at least `minimumRuns` runs, repeated until
    /// about `budgetNs` has passed (at most `maximumRuns`). For one-off work such as compilation.
    static func medianTime<Failure: Error>(
        minimumRuns: Int = 5, maximumRuns: Int = 2000, budgetNs: UInt64 = 100_000_000,
        _ body: () throws(Failure) -> Void
    ) throws(Failure) -> Double {
        var times: [Double] = []
        let begin = BenchClock.now()
        while times.count < minimumRuns || (times.count < maximumRuns && BenchClock.now() &- begin < budgetNs) {
            let start = BenchClock.now()
            try body()
            times.append(Double(BenchClock.now() &- start))
        }
        return BenchStatistics(samples: times).medianNs
    }
}
