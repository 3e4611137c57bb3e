import EBPF
import EBPFTestSupport
import Testing

@Suite("Compilation statistics")
struct CompilationStatisticsTests {
    /// Programs of different shapes: trivial, long straight-line, loops and jumps (generated), a
    /// helper call, and constant blinding (more code per instruction).
    enum Shape: String, CaseIterable, CustomTestStringConvertible {
        case trivial, straightLine, generated, helperCall, blinded

        var testDescription: String { rawValue }

        var program: Program {
            switch self {
            case .trivial:
                Program(unchecked: [Asm.mov(0, 7), Asm.exit])
            case .straightLine, .blinded:
                Program(unchecked: Self.straightLine(count: 2000))
            case .generated:
                RandomProgramGenerator().generate(seed: 42).program
            case .helperCall:
                Program(unchecked: [Asm.call(1), Asm.exit])
            }
        }

        /// `count` ALU instructions on R0–R5 (add, add register, multiply, shift), then exit.
        static func straightLine(count: Int) -> [Instruction] {
            let opcodes: [UInt8] = [0x07, 0x0f, 0xaf, 0x77]
            var instructions: [Instruction] = []
            for index in 0..<count {
                let opcode = opcodes[index % opcodes.count]
                let immediate = Int32(opcode == 0x77 ? index % 63 + 1 : index)
                instructions.append(Instruction(opcode: opcode, dst: UInt8(index % 6), src: UInt8(index / 6 % 6), immediate: immediate))
            }
            return instructions + [Asm.exit]
        }

        var options: JITOptions {
            self == .blinded ? JITOptions(constantBlinding: true) : JITOptions()
        }
    }

    static let helpers: HelperRegistry = {
        var helpers = HelperRegistry()
        helpers.register(HelperFunction(id: 1, name: "seven", signature: HelperSignature(arguments: [], returns: .scalar)) { _, _, _, _, _ in 7 })
        return helpers
    }()

    @Test("every phase is non-negative, the phases sum to at most the total, and the total is what the caller saw", arguments: Shape.allCases)
    func phasesAddUp(shape: Shape) throws {
        var statistics = CompilationStatistics()
        let clock = ContinuousClock()
        let before = clock.now
        let compiled = try JIT.compile(shape.program, helpers: Self.helpers, options: shape.options, statistics: &statistics)
        let outside = clock.now - before

        for phase in [statistics.analysis, statistics.addressAnalysis, statistics.emission, statistics.branchRelaxation,
                      statistics.executableMapping] {
            #expect(phase >= .zero)
        }
        #expect(statistics.phases <= statistics.total)
        #expect(statistics.total > .zero)
        #expect(statistics.total <= outside)
        // Every compilation runs the lowering, relaxes its jumps and maps pages.
        #expect(statistics.executableMapping > .zero)
        #expect(statistics.emission > .zero)
        #expect(statistics.branchRelaxation > .zero)
        #expect(compiled.codeSize > 0)
    }

    @Test("recording statistics does not change the code", arguments: [Shape.trivial, .straightLine, .generated, .helperCall])
    func sameCode(shape: Shape) throws {
        var statistics = CompilationStatistics()
        let withStatistics = try JIT.compile(shape.program, helpers: Self.helpers, statistics: &statistics)
        let without = try JIT.compile(shape.program, helpers: Self.helpers)
        #expect(withStatistics.codeSize == without.codeSize)
        // The code embeds absolute helper addresses, the same in both; only the mapping differs.
        #expect(withStatistics.machineCode == without.machineCode)
        #expect(withStatistics.instructionOffsets == without.instructionOffsets)
    }

    @Test("a larger program takes longer to emit than a trivial one")
    func emissionGrowsWithSize() throws {
        // Best of five against best of five, so one slow run on a busy machine does not decide.
        func bestEmission(_ shape: Shape) throws -> Duration {
            var best = Duration.seconds(3600)
            for _ in 0..<5 {
                var statistics = CompilationStatistics()
                _ = try JIT.compile(shape.program, helpers: Self.helpers, statistics: &statistics)
                best = min(best, statistics.emission)
            }
            return best
        }
        #expect(try bestEmission(.straightLine) > bestEmission(.trivial))
    }

    @Test("a failed compilation still reports the phases it ran")
    func failureKeepsEarlierPhases() throws {
        var statistics = CompilationStatistics()
        var failure: JITError?
        do {
            _ = try JIT.compile(Shape.straightLine.program, options: JITOptions(maxCodeSize: 64), statistics: &statistics)
        } catch {
            failure = error
        }
        guard case .codeTooLarge = failure else {
            Issue.record("expected codeTooLarge, got \(String(describing: failure))")
            return
        }
        // The size is known after branch relaxation, before anything is mapped.
        #expect(statistics.emission > .zero)
        #expect(statistics.branchRelaxation > .zero)
        #expect(statistics.executableMapping == .zero)
    }
}
