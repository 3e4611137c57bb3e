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
                runner = try JIT.compile(program, facts: facts)
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
    /// contexts are laid out in one buffer first and one stack is reused, so the timed loop does
    /// no allocation or copying.
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
        return try Self.run(runner, buffer: &buffer, starts: starts)
    }

    // Generic so the loop calls the concrete engine directly.
    private static func run<Runner: ProgramRunner>(_ runner: Runner, buffer: inout [UInt8], starts: [Int]) throws -> Outcome {
        let count = starts.count - 1
        var results = [UInt64](repeating: 0, count: count)
        var matches = 0
        var failure: (index: Int, trap: ExecutionTrap)?
        let stack = UnsafeMutableRawBufferPointer.allocate(byteCount: ExecutionLimits.stackSize, alignment: 16)
        defer { stack.deallocate() }
        stack.initializeMemory(as: UInt8.self, repeating: 0)
        let elapsed = buffer.withUnsafeMutableBytes { all in
            ContinuousClock().measure {
                for index in 0..<count {
                    let context = UnsafeMutableRawBufferPointer(rebasing: all[starts[index]..<starts[index + 1]])
                    do throws(ExecutionTrap) {
                        let result = try runner.run(memory: context, stack: stack)
                        results[index] = result
                        if result != 0 { matches += 1 }
                    } catch {
                        failure = (index, error)
                        return
                    }
                }
            }
        }
        if let failure { throw CommandFailure("packet \(failure.index): \(failure.trap)") }
        return Outcome(results: results, matches: matches, elapsed: elapsed)
    }
}
