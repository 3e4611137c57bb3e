import ClassicBPF
import EBPFCore
import EBPFInterpreter
import EBPFJIT
import EBPFVerifier

/// A classic program translated once and prepared for every engine: the interpreter, the JIT
/// without facts (every check at run time), the JIT with the verifier's facts, and that JIT's
/// batch entry with its own copy of the body (as `ebpf filter` runs it).
struct TranslatedEngines {
    let kind: ClassicFilterKind
    let program: Program
    let runners: [(name: String, runner: any ProgramRunner)]
    /// Run through ``CompiledProgram/run(each:results:)``, one context per batch.
    let batch: CompiledProgram

    init(_ classic: ClassicProgram, kind: ClassicFilterKind) throws {
        self.kind = kind
        program = try ClassicTranslator.translate(classic, kind: kind)
        let options = VerifierOptions(contextSize: kind == .seccomp ? SeccompData.byteCount : nil)
        let facts = try Verifier(options: options).verify(program).facts
        runners = [
            ("interpreter", Interpreter(program: program)),
            ("jit", try JIT.compile(program)),
            ("jit+facts", try JIT.compile(program, facts: facts)),
        ]
        batch = try JIT.compile(program, facts: facts, options: JITOptions(inlinedBatchBody: true))
    }

    /// Runs every engine over a copy of `context` and returns each result (nil for a trap).
    func run(context: [UInt8]) -> [(name: String, result: UInt64?)] {
        var copy = context
        var result: UInt64 = 0
        let batched: UInt64? = copy.withUnsafeMutableBytes { bytes in
            let region = [MemoryRegion(bytes)]
            return region.withUnsafeBufferPointer { regions in
                withUnsafeMutablePointer(to: &result) { slot in
                    (try? batch.run(each: regions, results: UnsafeMutableBufferPointer(start: slot, count: 1))).map { slot.pointee }
                }
            }
        }
        return runners.map { entry in
            var copy = context
            return (entry.name, try? entry.runner.run(&copy))
        } + [("jit+facts batch", batched)]
    }

    /// The context a packet is run over for this kind.
    func context(packet: [UInt8], wireLength: UInt32) -> [UInt8] {
        kind == .capturedPacket ? CapturedPacketLayout.context(captured: packet, wireLength: wireLength) : packet
    }
}
