/// The timing loops of `ebpf bench`: warm-up, then `samples` samples of `iterations` runs each.
enum BenchMeasurement {
    /// What one timed function produced.
    struct Outcome {
        var result: UInt64
        var statistics: BenchStatistics
    }

    /// A function to time: an engine running the program, or the native build.
    struct Subject {
        var name: String
        /// Runs the function `runs` times in a loop of its own (so each run is a direct call, as
        /// in a user's hot loop, not a call through a closure) and returns the OR of
        /// `result ^ expected` over the runs: 0 when every run returned `expected`. With one
        /// run and `expected` 0 it returns the result.
        var loop: (_ runs: Int, _ expected: UInt64) throws -> UInt64

        init(name: String, loop: @escaping (_ runs: Int, _ expected: UInt64) throws -> UInt64) {
            self.name = name
            self.loop = loop
        }

        /// The subject whose loop calls `body.run()` `runs` times: specialised for `Body`, so
        /// the loop calls the engine (or the native function) directly.
        static func looping<Body: BenchBody>(_ name: String, _ body: Body) -> Subject {
            Subject(name: name) { runs, expected in
                var differing: UInt64 = 0
                for _ in 0..<runs { differing |= try body.run() ^ expected }
                return differing
            }
        }
    }

    /// Warms every subject up, then takes `samples` rounds; in each round every subject is timed
    /// for one sample of its own run count, one after the other, so a change in machine load
    /// during the measurement affects all of them alike. Every run of a subject must return its
    /// first run's result (a program that changes its own input memory is reported, not averaged).
    ///
    /// - Parameter iterations: runs per sample; `nil` picks, per subject, enough runs for a
    ///   sample to last about `targetSampleNs`.
    static func measureInterleaved(
        _ subjects: [Subject], iterations: Int?, samples: Int, targetSampleNs: UInt64 = 5_000_000
    ) throws -> [Outcome] {
        var firsts: [UInt64] = []
        var runCounts: [Int] = []
        for subject in subjects {
            let first = try subject.loop(1, 0)
            firsts.append(first)
            let runs = try iterations ?? calibrate(targetSampleNs: targetSampleNs) { runs in _ = try subject.loop(runs, first) }
            runCounts.append(runs)
            // Warm-up: one sample's worth of runs, not recorded.
            _ = try subject.loop(runs, first)
        }
        var perRun = Array(repeating: [Double](), count: subjects.count)
        for _ in 0..<samples {
            for (index, subject) in subjects.enumerated() {
                let runs = runCounts[index], first = firsts[index]
                let start = BenchClock.now()
                let differing = try subject.loop(runs, first)
                let elapsed = BenchClock.now() &- start
                if differing != 0 {
                    throw CommandFailure(
                        "\(subject.name): a repeated run returned a value other than the first run's 0x\(String(first, radix: 16)); the program must not depend on state left by earlier runs")
                }
                perRun[index].append(Double(elapsed) / Double(runs))
            }
        }
        return subjects.indices.map { Outcome(result: firsts[$0], statistics: BenchStatistics(samples: perRun[$0])) }
    }

    /// Doubles the run count until a batch lasts a tenth of the target, then scales up.
    private static func calibrate<Failure: Error>(
        targetSampleNs: UInt64, _ loop: (_ runs: Int) throws(Failure) -> Void
    ) throws(Failure) -> Int {
        var runs = 1
        while true {
            let start = BenchClock.now()
            try loop(runs)
            let elapsed = max(BenchClock.now() &- start, 1)
            if elapsed >= targetSampleNs / 10 || runs >= 1 << 24 {
                let scaled = Double(runs) * Double(targetSampleNs) / Double(elapsed)
                return max(1, min(Int(scaled.rounded()), 1 << 26))
            }
            runs *= 2
        }
    }

    /// The most repetitions ``medianTime(minimumRuns:maximumRuns:budgetNs:_:)`` makes by default.
    static let maximumRuns = 2000

    /// The median time of `body` in nanoseconds over at least `minimumRuns` runs, repeated until
    /// about `budgetNs` has passed (at most `maximumRuns`). For one-off work such as compilation.
    static func medianTime<Failure: Error>(
        minimumRuns: Int = 5, maximumRuns: Int = maximumRuns, budgetNs: UInt64 = 100_000_000,
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

/// One run of a timed function, as a value whose type tells the compiler which call the
/// timing loop makes (``BenchMeasurement/Subject/looping(_:_:)``).
protocol BenchBody {
    func run() throws -> UInt64
}
