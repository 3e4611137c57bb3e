import EBPFAssembler
import EBPFCore
import EBPFFuzz
import EBPFInterpreter
import EBPFJIT
import EBPFTestSupport
import EBPFVerifier
import Testing

/// Deterministic mutation fuzzing of every parser over the conformance corpus and generated
/// programs: each mutated input must parse or fail with the parser's typed error (with an index
/// or line inside the input) — never crash or hang. Decoded programs also go through the
/// disassembler, the verifier (small budget), and both engines, which must agree.
///
/// `EBPF_FUZZ_PROGRAMS` raises the number of mutations per seed input (default 6).
@Suite struct ParserMutationTests {
    static let mutationsPerInput = FuzzSettings.fromEnvironment(defaultProgramCount: 6).programCount

    /// Seed programs: the corpus (when present) and generated ones of every preset.
    static let seedPrograms: [Program] = {
        var programs = ConformanceCorpus.cases.compactMap { try? $0.program() }
        for (index, preset) in [FuzzPreset.default, .straightLine, .unsafe, .aluJump].enumerated() {
            let generator = RandomProgramGenerator(options: preset.generatorOptions)
            programs += (0..<25).map { generator.generate(seed: UInt64(index * 1_000 + $0)).program }
        }
        return programs
    }()

    @Test func bytecodeDecoderNeverCrashes() {
        var decoded = 0
        var rejected = 0
        for (index, program) in Self.seedPrograms.enumerated() {
            var mutator = Mutator(seed: UInt64(index))
            for _ in 0..<Self.mutationsPerInput {
                let bytes = mutator.mutate(program.bytes)
                do throws(DecodeError) {
                    let result = try Program(decoding: bytes)
                    decoded += 1
                    #expect(result.bytes == bytes)
                    #expect(Disassembler.disassemble(result).count <= result.count)
                } catch {
                    rejected += 1
                    #expect(error.index >= 0 && error.index <= bytes.count / 8, "\(error) for \(bytes.count) bytes")
                }
            }
        }
        #expect(decoded > 0 && rejected > 0, "decoded \(decoded), rejected \(rejected)")
    }

    @Test func assemblerNeverCrashes() {
        let alphabet = Array("r0123456789abcdefx+-*[], \n:#;%wbhdlsjmovexitcall".utf8)
        var assembled = 0
        var rejected = 0
        let texts = Self.seedPrograms.map { Disassembler.disassemble($0).joined(separator: "\n") }
            + ConformanceCorpus.cases.compactMap(\.assembly)
        for (index, text) in texts.enumerated() {
            var mutator = Mutator(seed: 1_000_000 + UInt64(index))
            for _ in 0..<Self.mutationsPerInput {
                let mutated = String(decoding: mutator.mutate(Array(text.utf8), alphabet: alphabet), as: UTF8.self)
                do throws(AssemblerError) {
                    _ = try Assembler.assemble(mutated)
                    assembled += 1
                } catch {
                    rejected += 1
                    let lineCount = mutated.split(separator: "\n", omittingEmptySubsequences: false).count
                    #expect(error.line >= 0 && error.line <= lineCount + 1, "\(error)")
                }
            }
        }
        #expect(assembled > 0 && rejected > 0, "assembled \(assembled), rejected \(rejected)")
    }

    @Test func verifierNeverCrashesOrHangs() {
        var accepted = 0
        var rejected = 0
        let options = VerifierOptions(processedInstructionBudget: 50_000, contextSize: 64)
        let verifier = Verifier(helpers: TestHelpers.registry, options: options)
        for (index, program) in Self.seedPrograms.enumerated() {
            var mutator = Mutator(seed: 2_000_000 + UInt64(index))
            for _ in 0..<Self.mutationsPerInput {
                guard let mutated = try? Program(decoding: mutator.mutate(program.bytes)) else { continue }
                do throws(VerifierError) {
                    let result = try verifier.verify(mutated)
                    accepted += 1
                    #expect(result.facts.accessIsSafe.count <= mutated.count + 1)
                } catch {
                    rejected += 1
                    #expect(error.index >= -1 && error.index <= mutated.count, "\(error.index): \(error.message)")
                }
            }
        }
        #expect(accepted + rejected > 0)
    }

    /// Mutated words run through `Program(unchecked:)`, so malformed slots, bad jump targets and
    /// unknown opcodes reach both engines, which must agree (usually on `invalidInstruction`).
    @Test func enginesAgreeOnMutatedPrograms() {
        let limits = ExecutionLimits(instructionBudget: 2_000)
        var compared = 0
        for (index, program) in Self.seedPrograms.enumerated() where index % 2 == 0 {
            var mutator = Mutator(seed: 3_000_000 + UInt64(index))
            let harness = FuzzEngines.harness(jit: FuzzEngines.jitOptions[index % FuzzEngines.jitOptions.count], limits: limits)
            for _ in 0..<Self.mutationsPerInput {
                var bytes = mutator.mutate(program.bytes)
                bytes.removeLast(bytes.count % 8)
                guard !bytes.isEmpty else { continue }
                let words = stride(from: 0, to: bytes.count, by: 8).map { offset in
                    Instruction(rawValue: bytes[offset..<(offset + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) })
                }
                let outcome = harness.compare(Program(unchecked: words), memory: Array(repeating: 0xa5, count: 32))
                compared += 1
                #expect(outcome.agrees, "seed program \(index): \(harness.minimize(outcome))")
            }
        }
        #expect(compared > 100)
    }

    @Test func regressionAndConformanceTextParsersNeverCrash() {
        let seeds = [
            RegressionCase(name: "r", program: Self.seedPrograms[0], memory: [1, 2, 3], instructionBudget: 10, verifiedContextSize: 3).text,
            "-- asm\nmov r0, 1\nexit\n-- result\n0x1\n",
            "-- raw\n0x0000000100000001b7\n0x95\n-- mem\n00 01\n-- result\n0x1\n",
        ]
        let alphabet = Array("-- asmrawmemresulterror0x123456789abcdef \n:#".utf8)
        var parsed = 0
        for (index, text) in seeds.enumerated() {
            var mutator = Mutator(seed: 4_000_000 + UInt64(index))
            for _ in 0..<(Self.mutationsPerInput * 50) {
                let mutated = String(decoding: mutator.mutate(Array(text.utf8), alphabet: alphabet), as: UTF8.self)
                if (try? RegressionCase(name: "m", text: mutated)) != nil { parsed += 1 }
                if (try? ConformanceCase(name: "m", text: mutated)) != nil { parsed += 1 }
            }
        }
        #expect(parsed > 0)
    }
}
