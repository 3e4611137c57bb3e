import ClassicBPF
import EBPF

/// A classic program translated to eBPF, verified, and prepared for one engine.
struct TranslatedFilter {
    let program: Program
    let runner: any ProgramRunner

    /// Translates (the classic checker runs first), verifies and prepares `classic`; `name`
    /// says in errors which program failed.
    init(_ classic: ClassicProgram, kind: ClassicFilterKind, name: String, engine: Engine) throws {
        program = try Self.translate(classic, kind: kind, name: name)
        let options = VerifierOptions(contextSize: kind == .seccomp ? SeccompData.byteCount : nil)
        let facts: VerifiedFacts
        do {
            facts = try Verifier(options: options).verify(program).facts
        } catch {
            throw CommandFailure("\(name): the translated program fails verification: \(error)")
        }
        switch engine {
        case .interpreter:
            runner = Interpreter(program: program)
        case .jit:
            do {
                // One batch call runs every packet: the batch entry gets its own copy of the body.
                runner = try JIT.compile(program, facts: facts, options: JITOptions(inlinedBatchBody: true))
            } catch {
                throw CommandFailure("\(name): \(error)")
            }
        }
    }

    /// The eBPF translation of `classic`, or a one-line error naming the classic instruction.
    static func translate(_ classic: ClassicProgram, kind: ClassicFilterKind, name: String) throws -> Program {
        do {
            return try ClassicTranslator.translate(classic, kind: kind)
        } catch {
            throw CommandFailure("\(name): classic program rejected: \(error)")
        }
    }

    /// What a run over a capture found.
    struct Outcome {
        /// The filter's return value for each packet (0: no match).
        var results: [UInt64]
        var matches: Int
        /// Time spent running the filter (not reading the file or building the contexts).
        var elapsed: Duration
    }

    /// Runs the filter over every packet in the ``ClassicFilterKind/capturedPacket`` layout. The
    /// contexts are laid out in one buffer first, so the timed part does no allocation or
    /// copying: the JIT runs them all in one batch call (``CompiledProgram/run(each:results:)``);
    /// the interpreter runs them one by one on one reused stack area (a translated program reads
    /// a scratch word only after writing it, so what earlier runs left there cannot matter).
    func run(over packets: [PcapPacket]) throws -> Outcome {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(packets.reduce(0) { $0 + CapturedPacketLayout.headerSize + $1.data.count })
        var starts: [Int] = []
        starts.reserveCapacity(packets.count + 1)
        for packet in packets {
            starts.append(buffer.count)
            buffer += CapturedPacketLayout.context(captured: packet.data, wireLength: packet.originalLength)
        }
        starts.append(buffer.count)
        var results = [UInt64](repeating: 0, count: packets.count)
        let elapsed = try buffer.withUnsafeMutableBytes { all in
            let base = UInt64(UInt(bitPattern: all.baseAddress))
            let inputs = (0..<packets.count).map { index in
                MemoryRegion(start: base + UInt64(starts[index]), count: UInt64(starts[index + 1] - starts[index]))
            }
            return try results.withUnsafeMutableBufferPointer { results in
                try inputs.withUnsafeBufferPointer { inputs in
                    try Self.run(runner, inputs: inputs, results: results)
                }
            }
        }
        return Outcome(results: results, matches: results.count { $0 != 0 }, elapsed: elapsed)
    }

    /// Times `runner` over `inputs`, writing each result.
    private static func run(
        _ runner: any ProgramRunner, inputs: UnsafeBufferPointer<MemoryRegion>, results: UnsafeMutableBufferPointer<UInt64>
    ) throws -> Duration {
        var failure: BatchTrap?
        let clock = ContinuousClock()
        let elapsed: Duration
        if let compiled = runner as? CompiledProgram {
            elapsed = clock.measure {
                do throws(BatchTrap) {
                    try compiled.run(each: inputs, results: results)
                } catch {
                    failure = error
                }
            }
        } else {
            let stack = UnsafeMutableRawBufferPointer.allocate(byteCount: ExecutionLimits.stackSize, alignment: 16)
            defer { stack.deallocate() }
            stack.initializeMemory(as: UInt8.self, repeating: 0)
            elapsed = clock.measure {
                for (index, input) in inputs.enumerated() {
                    let memory = UnsafeMutableRawBufferPointer(
                        start: UnsafeMutableRawPointer(bitPattern: UInt(input.start)), count: Int(input.count))
                    do throws(ExecutionTrap) {
                        results[index] = try runner.run(memory: memory, stack: stack)
                    } catch {
                        failure = BatchTrap(index: index, trap: error)
                        return
                    }
                }
            }
        }
        if let failure { throw CommandFailure("packet \(failure.index): \(failure.trap)") }
        return elapsed
    }
}
