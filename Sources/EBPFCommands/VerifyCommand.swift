import ArgumentParser
import EBPF

/// `ebpf verify PROGRAM [--loops strict|bounded|widening|automatic] [--log]`: runs the verifier alone.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Verify a program: print OK with statistics, or the error and its log.")

    @OptionGroup var programOptions: ProgramOptions

    @Option(help: "Loop policy: strict (no back-edges), bounded (loops proven to exit), widening (loops proven memory-safe, and to exit where a counter shows it) or automatic (bounded for loop-free programs; otherwise widening, then bounded when widening cannot prove that the loops exit or rejects the program).")
    var loops: VerifierOptions.LoopPolicy = .bounded

    @Option(name: .customLong("context-size"), help: "Size in bytes of the input memory, when fixed; otherwise accesses must be proven against R2.")
    var contextSize: Int?

    @Flag(help: "Print the verifier's log: each processed instruction with the register state.")
    var log = false

    func run() throws {
        try reportingFailures {
            let source = try programOptions.loadSource()
            let options = VerifierOptions(loops: loops, contextSize: contextSize, collectsLog: log)
            let configuration = ExecutionConfiguration(verifierOptions: options, helpers: .conformance)
            do {
                guard let result = try source.verify(configuration: configuration, memorySize: contextSize) else { return }
                if log { result.log.forEach { print($0) } }
                var line = "OK: \(result.statistics)"
                if loops != result.loops || !result.facts.terminates {
                    line += ", loops \(result.loops)" + (result.facts.terminates ? "" : " (termination not proven)")
                }
                print(line)
            } catch PipelineError.verification(let error) {
                if log { error.log.forEach { print($0) } }
                throw CommandFailure("\(error)")
            }
        }
    }
}
