import EBPFAssembler
import EBPFCore
import EBPFFuzz
import EBPFTestSupport
import Testing

/// The Linux kernel as a third engine: generated ALU/JMP programs loaded with `BPF_PROG_LOAD`
/// (socket filter) and run with `BPF_PROG_TEST_RUN`, the full 64-bit R0 rebuilt from two runs,
/// compared with the interpreter and the JIT.
@Suite(.enabled(if: KernelOracle.isAvailable, "bpf() refused here (needs root or CAP_BPF and a kernel with eBPF)"))
struct KernelOracleTests {
    static let settings = FuzzSettings.fromEnvironment(defaultProgramCount: 300)

    @Test func generatedALUJumpProgramsAgreeWithTheKernel() {
        let oracle = KernelOracle()
        let generator = RandomProgramGenerator(options: FuzzPreset.aluJumpOptions)
        var tally = KernelOracle.Tally()
        var divergences: [KernelOracle.Comparison] = []
        for seed in Self.settings.seeds.map({ $0 + 7_000_000 }) {
            let comparison = oracle.compare(generator.generate(seed: seed).program)
            tally.record(comparison)
            if comparison.verdict == .diverged || comparison.verdict == .notComparable { divergences.append(comparison) }
        }
        print("kernel oracle: \(tally)")
        #expect(divergences.isEmpty, "\(divergences.prefix(3).map(\.description).joined(separator: "\n"))")
        // The generator avoids what the kernel refuses; most programs must actually be compared.
        #expect(tally.counts[.agreed, default: 0] * 10 >= Self.settings.programCount * 9, "\(tally)")
    }

    /// Stack loads, stores and atomics, bounded loops and local calls: divergences fail. The kernel
    /// refuses most of these programs (about 95%, Linux 6.18): it requires aligned stack accesses
    /// ("misaligned stack access"), which our semantics and the generator do not; the rest are
    /// compared.
    @Test func generatedStackLoopAndCallProgramsAgreeWithTheKernel() {
        let oracle = KernelOracle()
        let generator = RandomProgramGenerator(options: FuzzPreset.kernelStackOptions)
        var tally = KernelOracle.Tally()
        var divergences: [KernelOracle.Comparison] = []
        for seed in UInt64(8_000_000)..<8_000_200 {
            let comparison = oracle.compare(generator.generate(seed: seed).program)
            tally.record(comparison)
            if comparison.verdict == .diverged || comparison.verdict == .notComparable { divergences.append(comparison) }
        }
        print("kernel oracle (stack, loops, calls): \(tally)")
        #expect(divergences.isEmpty, "\(divergences.prefix(3).map(\.description).joined(separator: "\n"))")
        #expect(tally.counts[.agreed, default: 0] > 0, "\(tally)")
    }

    /// Values whose high half differs from the low half, so a wrapper that lost either half fails.
    @Test(arguments: [
        ("lddw r0, 0x123456789abcdef0", 0x1234_5678_9abc_def0 as UInt64),
        ("mov r0, -1", UInt64.max),
        ("mov32 r0, -1", 0xffff_ffff),
        ("lddw r0, 0x8000000000000001\nrsh r0, 1\njne r0, 0, +1\nmov r0, 5", 0x4000_0000_0000_0000),
        ("mov r0, 1\nlsh r0, 63\narsh r0, 62\njslt r0, 0, +1\nmov r0, 7", 0xffff_ffff_ffff_fffe),
    ])
    func fullSixtyFourBitResultIsRecovered(source: String, expected: UInt64) throws {
        let program = try Assembler.assemble(source + "\nexit")
        let comparison = KernelOracle().compare(program)
        #expect(comparison.verdict == .agreed, "\(comparison)")
        #expect(comparison.kernel == expected)
    }

    @Test func kernelRefusalIsCountedNotADivergence() throws {
        // Division by an immediate zero: defined here, refused by the kernel's verifier.
        let program = try Assembler.assemble("mov r0, 7\ndiv r0, 0\nexit")
        let comparison = KernelOracle().compare(program)
        #expect(comparison.verdict == .kernelRefused, "\(comparison)")
        #expect(!comparison.note.isEmpty)
    }
}
