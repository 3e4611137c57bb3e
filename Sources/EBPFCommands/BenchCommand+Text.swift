import Foundation

extension BenchCommand {
    /// The human-readable report.
    static func lines(_ report: BenchReport) -> [String] {
        var lines: [String] = []
        let mode = report.verified ? "verified" + (report.verifierLoops.map { " (loops: \($0))" } ?? "") : "unverified"
        let maps = report.maps > 0 ? ", \(report.maps) map\(report.maps == 1 ? "" : "s")" : ""
        lines.append("\(report.program): \(report.instructions) instructions, \(report.memoryBytes) bytes of memory\(maps), \(mode)")
        if let rejection = report.verifierRejection { lines.append("verifier: \(rejection)") }
        var phases = ["decode \(microseconds(report.compile.decodeNs))"]
        if let verify = report.compile.verifyNs { phases.append("verify \(microseconds(verify))") }
        if let prepare = report.compile.interpreterPrepareNs { phases.append("interpreter prepare \(microseconds(prepare))") }
        if let jit = report.compile.jitCompileNs { phases.append("JIT compile \(microseconds(jit))") }
        if let bytes = report.codeBytes { phases.append("\(bytes) bytes of x86-64") }
        lines.append("prepare: " + phases.joined(separator: ", "))
        let compile = report.compile
        if let analysis = compile.jitAnalysisNs, let addressAnalysis = compile.jitAddressAnalysisNs,
           let emission = compile.jitEmissionNs, let relaxation = compile.jitBranchRelaxationNs,
           let mapping = compile.jitExecutableMappingNs {
            lines.append("JIT phases: analysis \(microseconds(analysis)), address analysis \(microseconds(addressAnalysis)), "
                         + "emission \(microseconds(emission)), branch relaxation \(microseconds(relaxation)), "
                         + "executable mapping \(microseconds(mapping))")
        }
        lines.append(pad("engine", 12) + pad("result", 20) + pad("median ns", 14, right: true)
                     + pad("min ns", 14, right: true) + pad("spread", 10, right: true))
        for engine in report.engines {
            lines.append(pad(engine.engine, 12) + pad(engine.result, 20)
                         + pad(String(format: "%.1f", engine.timing.medianNs), 14, right: true)
                         + pad(String(format: "%.1f", engine.timing.minNs), 14, right: true)
                         + pad(String(format: "±%.1f%%", engine.timing.spreadPercent), 10, right: true))
        }
        var ratios: [String] = []
        if let value = report.jitOverNative { ratios.append(String(format: "JIT/native %.2f×", value)) }
        if let value = report.interpreterOverNative { ratios.append(String(format: "interpreter/native %.2f×", value)) }
        if let value = report.interpreterOverJIT { ratios.append(String(format: "interpreter/JIT %.2f×", value)) }
        if !ratios.isEmpty { lines.append(ratios.joined(separator: ", ")) }
        lines.append(report.resultsAgree ? "results agree" : "RESULTS DIFFER")
        return lines
    }

    private static func microseconds(_ nanoseconds: Double) -> String {
        String(format: "%.1f µs", nanoseconds / 1000)
    }

    private static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(1, width - text.count))
        return right ? padding + text : text + padding
    }
}
