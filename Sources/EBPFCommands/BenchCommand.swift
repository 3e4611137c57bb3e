import ArgumentParser
import EBPF
import Foundation

/// `ebpf bench PROGRAM [--mem FILE] [--engine interpreter|jit|all] [--iterations N] [--json]
/// [--native LIB.so [--symbol NAME]]`: times the engines (and optionally the native build of the
/// same C function, in the same process) on one program and input. PROGRAM may be an ELF object
/// with maps; its program then runs linked against them, as `ebpf run` runs it.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the interpreter, the JIT and optionally a native build of the same program.",
        discussion: """
            Without --mem or --mem-hex, the file next to PROGRAM with the extension .mem is the \
            input memory when it exists. An ELF object (.o) runs linked against its maps, with \
            the kernel helpers (choose its program with --program when it holds several); the \
            maps keep their contents across runs, so its result must not depend on them. \
            Results of all engines (and the native function) must agree; a mismatch is \
            reported on standard error and the exit status is 1.
            """)

    @OptionGroup var programOptions: ProgramOptions
    @OptionGroup var memoryOptions: MemoryOptions

    @Option(help: "The engines to time: interpreter, jit or all.")
    var engine: BenchEngineSelection = .all

    @Option(help: "Runs per timing sample (default: enough for about 5 ms per sample).")
    var iterations: Int?

    @Option(help: "Timing samples per engine; the median and spread are taken over them.")
    var samples: Int = 15

    @Option(help: "A shared library with the native build of the program, timed in the same process.")
    var native: String?

    @Option(help: "The native function's symbol (default: the program's file name without extension).")
    var symbol: String?

    @Flag(help: "Skip the verifier; the engines keep every run-time check.")
    var unverified = false

    @Option(help: "Loop policy of the verifier: strict, bounded, widening or automatic (bounded for loop-free programs; otherwise widening, then bounded when widening cannot prove that the loops exit or rejects the program).")
    var loops: VerifierOptions.LoopPolicy = .automatic

    @Flag(name: .customLong("fallback-unverified"), help: "When the verifier rejects the program, say why and time it unverified instead of failing.")
    var fallbackUnverified = false

    @Flag(inversion: .prefixedNo, help: "JIT: start loop heads at 16-byte boundaries.")
    var alignLoops = true

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1") }
        if samples < 1 { throw ValidationError("--samples must be at least 1") }
    }

    func run() throws {
        var mismatch: String?
        try reportingFailures {
            let report = try measure()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                for line in BenchCommand.lines(report) { print(line) }
            }
            if !report.resultsAgree {
                let values = report.engines.map { "\($0.engine) \($0.result)" }.joined(separator: ", ")
                mismatch = "RESULT MISMATCH: \(values)"
            }
        }
        if let mismatch {
            printError("error: " + mismatch)
            throw ExitCode(1)
        }
    }

    /// Loads, prepares and times everything the options ask for.
    func measure() throws -> BenchReport {
        let source = try programOptions.loadSource()
        let program = source.program
        var memory = try inputMemory()
        let configuration = ExecutionConfiguration(
            verify: !unverified, verifierOptions: VerifierOptions(loops: loops), helpers: .conformance,
            jitOptions: JITOptions(alignLoopHeads: alignLoops))

        // Compile-time phases, each timed alone over repetitions.
        let bytes = program.bytes
        let decodeNs = try BenchMeasurement.medianTime { () throws(DecodeError) in _ = try Program(decoding: bytes) }
        var verification: VerificationResult?
        var rejection: String?
        // First with the memory's size known (as `ebpf run` does); with --fallback-unverified, a
        // rejected program is tried again as a packet program (accesses proven against R2, which
        // allows variable offsets after a length check), and else runs unverified.
        var verifiedSize: Int? = memory.count
        do {
            verification = try source.verify(configuration: configuration, memorySize: verifiedSize)
        } catch {
            guard fallbackUnverified else { throw error }
            rejection = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
            verifiedSize = nil
            verification = try? source.verify(configuration: configuration, memorySize: nil)
            if verification != nil { rejection! += " (verified as a packet program instead)" }
        }
        var compile = BenchReport.CompileTimes(decodeNs: decodeNs)
        if verification != nil {
            compile.verifyNs = try BenchMeasurement.medianTime {
                _ = try source.verify(configuration: configuration, memorySize: verifiedSize)
            }
        }
        let facts = verification?.facts

        var engines: [BenchReport.EngineResult] = []
        let runsPerSample = iterations
        var codeBytes: Int?
        let stack = UnsafeMutableRawBufferPointer.allocate(byteCount: ExecutionLimits.stackSize, alignment: 16)
        defer { stack.deallocate() }
        stack.initializeMemory(as: UInt8.self, repeating: 0)

        // What the engines are built from (the program, its helpers and regions), as `ebpf run`
        // builds them.
        let pipelineInput = source.pipelineInput
        try memory.withUnsafeMutableBytes { input in
            var subjects: [BenchMeasurement.Subject] = []
            if engine.includesInterpreter {
                compile.interpreterPrepareNs = BenchMeasurement.medianTime {
                    _ = ExecutionPipeline.interpreter(pipelineInput, configuration: configuration)
                }
                let interpreter = ExecutionPipeline.interpreter(pipelineInput, configuration: configuration)
                subjects.append(source.benchSubject("interpreter", interpreter, memory: input, stack: stack))
            }
            if engine.includesJIT {
                // The whole compilation timed from outside, and the JIT's own phase timings of
                // the same compilations (room reserved so recording them does not allocate).
                var phases: [CompilationStatistics] = []
                phases.reserveCapacity(BenchMeasurement.maximumRuns)
                compile.jitCompileNs = try BenchMeasurement.medianTime { () throws(PipelineError) in
                    var statistics = CompilationStatistics()
                    _ = try ProgramSource.benchCompile(
                        pipelineInput, configuration: configuration, facts: facts, statistics: &statistics)
                    phases.append(statistics)
                }
                compile.recordPhases(phases)
                var statistics = CompilationStatistics()
                let compiled = try ProgramSource.benchCompile(
                    pipelineInput, configuration: configuration, facts: facts, statistics: &statistics)
                codeBytes = compiled.codeSize
                subjects.append(source.benchSubject("jit", compiled, memory: input))
            }
            if let native {
                let function = try BenchNativeFunction(library: native, symbol: symbol ?? source.linkedName ?? defaultSymbol)
                let base = input.baseAddress
                let length = UInt64(input.count)
                subjects.append(.looping("native", NativeBenchBody(function: function.body, base: base, length: length)))
            }
            let outcomes = try BenchMeasurement.measureInterleaved(subjects, iterations: runsPerSample, samples: samples)
            for (subject, outcome) in zip(subjects, outcomes) {
                engines.append(.init(engine: subject.name, result: Self.hex(outcome.result), timing: outcome.statistics))
            }
        }

        func median(_ name: String) -> Double? {
            engines.first { $0.engine == name }?.timing.medianNs
        }
        func ratio(_ numerator: String, _ denominator: String) -> Double? {
            guard let top = median(numerator), let bottom = median(denominator), bottom > 0 else { return nil }
            return top / bottom
        }
        return BenchReport(
            program: programOptions.program, instructions: program.count, memoryBytes: memory.count,
            verified: verification != nil, verifierLoops: verification.map { "\($0.loops)" }, verifierRejection: rejection,
            maps: source.mapCount, iterations: iterations ?? 0, compile: compile, codeBytes: codeBytes,
            engines: engines, resultsAgree: Set(engines.map(\.result)).count <= 1,
            jitOverNative: ratio("jit", "native"), interpreterOverNative: ratio("interpreter", "native"),
            interpreterOverJIT: ratio("interpreter", "jit"))
    }

    /// --mem / --mem-hex, or else PROGRAM's sibling `.mem` file, or else no memory.
    private func inputMemory() throws -> [UInt8] {
        if memoryOptions.mem != nil || memoryOptions.memHex != nil { return try memoryOptions.bytes() }
        let sibling = URL(fileURLWithPath: programOptions.program).deletingPathExtension().appendingPathExtension("mem")
        if let data = FileManager.default.contents(atPath: sibling.path) { return Array(data) }
        return []
    }

    private var defaultSymbol: String {
        URL(fileURLWithPath: programOptions.program).deletingPathExtension().lastPathComponent
    }

    static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
}
