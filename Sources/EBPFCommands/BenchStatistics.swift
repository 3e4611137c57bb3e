/// Median and spread of a set of timing samples, each in nanoseconds per run.
struct BenchStatistics: Codable, Equatable {
    /// The median sample.
    var medianNs: Double
    /// The fastest sample.
    var minNs: Double
    /// The slowest sample.
    var maxNs: Double
    /// Half the distance between the 25th and 75th percentiles, as a percentage of the median.
    var spreadPercent: Double
    var samples: Int

    /// Summarises `samples` (at least one).
    init(samples values: [Double]) {
        precondition(!values.isEmpty, "statistics of no samples")
        let sorted = values.sorted()
        func quantile(_ q: Double) -> Double {
            let position = q * Double(sorted.count - 1)
            let lower = Int(position.rounded(.down))
            let upper = min(lower + 1, sorted.count - 1)
            let fraction = position - Double(lower)
            return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
        }
        medianNs = quantile(0.5)
        minNs = sorted[0]
        maxNs = sorted[sorted.count - 1]
        let halfInterquartile = (quantile(0.75) - quantile(0.25)) / 2
        spreadPercent = medianNs > 0 ? halfInterquartile / medianNs * 100 : 0
        samples = sorted.count
    }
}
