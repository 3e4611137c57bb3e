import EBPFCore
import EBPFInterpreter
import EBPFJIT
import EBPFKernel
import EBPFDifferential

/// The Linux kernel as a third engine for programs without input memory or helper calls (the
/// ``FuzzPreset/aluJump`` and ``FuzzPreset/kernelStack`` subsets): each program is loaded as a socket filter with
/// `BPF_PROG_LOAD` and run with `BPF_PROG_TEST_RUN` twice — once as is and once with every `exit`
/// redirected to `r0 >>= 32; exit` — because the kernel reports only the low 32 bits of R0. The two
/// halves give the full 64-bit result, compared with the interpreter's and the JIT's.
///
/// Both variants start with `r2 = 0`: the generated programs read R2 (our input length, 0 for these
/// programs), which the kernel leaves uninitialised.
public final class KernelOracle {
    /// Whether this process may use `bpf()` (root or CAP_BPF, kernel with eBPF).
    public static var isAvailable: Bool { KernelBPF.isAvailable }

    /// How one comparison ended.
    public enum Verdict: String, Sendable, Hashable {
        /// All three agree on the 64-bit R0.
        case agreed
        /// The kernel's verifier refused the program (not a divergence; the log says why).
        case kernelRefused
        /// Our engines refused, trapped or disagreed with each other, or the kernel could not run it.
        case notComparable
        /// The kernel's R0 differs from ours.
        case diverged
    }

    public struct Comparison: Sendable, CustomStringConvertible {
        public var program: Program
        public var verdict: Verdict
        public var interpreter: RunTermination
        public var jit: RunTermination
        public var kernel: UInt64?
        /// The kernel verifier's reason when it refused, or why the program was not comparable.
        public var note: String

        public var description: String {
            var text = "\(verdict.rawValue): interpreter \(interpreter), jit \(jit), kernel \(kernel.map { "0x" + String($0, radix: 16) } ?? "-")"
            if !note.isEmpty { text += " (\(note))" }
            if verdict == .diverged { text += "\n" + DifferentialOutcome.listing(of: program).joined(separator: "\n") }
            return text
        }
    }

    /// Counts per verdict, and the kernel's refusal reasons.
    public struct Tally: Sendable, CustomStringConvertible {
        public var counts: [Verdict: Int] = [:]
        public var refusalReasons: [String: Int] = [:]
        public var attempted: Int { counts.values.reduce(0, +) }

        public init() {}

        public mutating func record(_ comparison: Comparison) {
            counts[comparison.verdict, default: 0] += 1
            if comparison.verdict == .kernelRefused { refusalReasons[comparison.note, default: 0] += 1 }
        }

        public var description: String {
            let verdicts = [Verdict.agreed, .kernelRefused, .notComparable, .diverged].map { "\($0.rawValue) \(counts[$0, default: 0])" }
            var text = "\(attempted) programs: " + verdicts.joined(separator: ", ")
            if !refusalReasons.isEmpty {
                text += "; refusals: " + refusalReasons.sorted { $0.value > $1.value }.prefix(5).map { "\($0.key) ×\($0.value)" }.joined(separator: "; ")
            }
            return text
        }
    }

    /// Socket-filter test runs need at least an Ethernet header of input.
    static let packet = [UInt8](repeating: 0, count: 64)
    let limits = ExecutionLimits(instructionBudget: 1_000_000)

    public init() {}

    /// Runs `program` (no input-memory access, no helper call) on the interpreter, the JIT and
    /// the kernel.
    public func compare(_ program: Program) -> Comparison {
        let interpreter = Self.observe { () throws(ExecutionTrap) -> UInt64 in
            var memory: [UInt8] = []
            return try Interpreter(program: program, limits: limits).run(&memory)
        }
        let jit: RunTermination
        do {
            let compiled = try JIT.compile(program, limits: limits)
            jit = Self.observe { () throws(ExecutionTrap) -> UInt64 in
                var memory: [UInt8] = []
                return try compiled.run(&memory)
            }
        } catch {
            jit = .notRun(error.description)
        }
        var comparison = Comparison(program: program, verdict: .notComparable, interpreter: interpreter, jit: jit, kernel: nil, note: "")
        guard case .returned(let expected) = interpreter, interpreter == jit else {
            comparison.note = "our engines did not both return the same value"
            return comparison
        }
        guard let low = Self.wrapped(program, shiftingHighHalf: false), let high = Self.wrapped(program, shiftingHighHalf: true) else {
            comparison.note = "jump offsets too far to wrap"
            return comparison
        }
        var halves: [UInt32] = []
        for variant in [low, high] {
            switch KernelBPF.loadProgram(variant, type: .socketFilter, license: "GPL") {
            case .failure(let error):
                comparison.verdict = .kernelRefused
                comparison.note = error.reason
                return comparison
            case .success(let loaded):
                do throws(KernelRunError) {
                    halves.append(try KernelBPF.testRun(loaded, data: Self.packet))
                } catch {
                    comparison.note = "BPF_PROG_TEST_RUN failed, errno \(error.errno)"
                    return comparison
                }
            }
        }
        let kernelValue = UInt64(halves[1]) << 32 | UInt64(halves[0])
        comparison.kernel = kernelValue
        comparison.verdict = kernelValue == expected ? .agreed : .diverged
        return comparison
    }

    static func observe(_ body: () throws(ExecutionTrap) -> UInt64) -> RunTermination {
        do throws(ExecutionTrap) {
            return .returned(try body())
        } catch {
            return .trapped(error)
        }
    }

    /// `r2 = 0`, then the program; with `shiftingHighHalf`, each `exit` of the entry function
    /// (the slots before the first local function) becomes a jump to a final `r0 >>= 32; exit`.
    /// Nil when a jump offset would not fit.
    static func wrapped(_ program: Program, shiftingHighHalf: Bool) -> [Instruction]? {
        var result = [Instruction(opcode: 0xb7, dst: 2)]  // mov r2, 0
        let body = program.instructions
        let decoded = program.decoded
        let entryEnd = decoded.slots.indices.compactMap { index -> Int? in
            guard case .callLocal(let target) = decoded[index] else { return nil }
            return target
        }.min() ?? body.count
        let epilogue = 1 + body.count
        for (index, instruction) in body.enumerated() {
            if shiftingHighHalf, case .exit? = decoded[index], index < entryEnd {
                guard let offset = Int16(exactly: epilogue - (1 + index) - 1) else { return nil }
                result.append(Instruction(opcode: 0x05, offset: offset))  // ja
            } else {
                result.append(instruction)
            }
        }
        if shiftingHighHalf {
            result.append(Instruction(opcode: 0x77, immediate: 32))  // rsh r0, 32
            result.append(Instruction(opcode: Opcode.exit))
        }
        return result
    }
}
