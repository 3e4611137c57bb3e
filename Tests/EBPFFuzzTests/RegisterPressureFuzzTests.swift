import EBPFCore
import EBPFFuzz
import EBPFTestSupport
import Testing

/// The register-pressure preset: its programs do keep every register in use across helper
/// calls and divisions, and a short campaign of it (every JIT configuration, with and without
/// verifier facts) finds no divergence.
@Suite struct RegisterPressureFuzzTests {
    /// Over 20 seeds: every program writes and reads all of R0–R8 (and R9, the input pointer,
    /// when it reads its input), most call helpers and divide by a register, and no program
    /// reads R1–R5 after a call before writing them (the interpreter would say so: safe
    /// programs never trap).
    @Test func programsKeepEveryRegisterLive() {
        let generator = RandomProgramGenerator(options: FuzzPreset.registerPressure.generatorOptions)
        var withHelperCalls = 0
        var withRegisterDivisions = 0
        for seed in UInt64(0)..<20 {
            let generated = generator.generate(seed: seed)
            let instructions = generated.program.instructions
            var written = Set<UInt8>()
            var read = Set<UInt8>()
            for instruction in instructions {
                let cls = instruction.opcode & 0x07
                if cls == 0x04 || cls == 0x07 {
                    written.insert(instruction.dst)
                    if instruction.opcode & 0x08 != 0 { read.insert(instruction.src) }
                    read.insert(instruction.dst)
                }
            }
            #expect(written.isSuperset(of: 0...8), "seed \(seed): writes \(written.sorted())")
            #expect(read.isSuperset(of: 0...8), "seed \(seed): reads \(read.sorted())")
            if instructions.contains(where: { $0.opcode == 0x85 || $0.opcode == 0x8d }) { withHelperCalls += 1 }
            // div/mod/sdiv/smod by a register: ALU or ALU64 with the register source bit.
            if instructions.contains(where: { [0x3c, 0x3f, 0x9c, 0x9f].contains($0.opcode) }) { withRegisterDivisions += 1 }
        }
        #expect(withHelperCalls >= 15, "\(withHelperCalls) of 20 programs call helpers")
        #expect(withRegisterDivisions >= 10, "\(withRegisterDivisions) of 20 programs divide by a register")
    }

    @Test func shortCampaignFindsNoDivergence() {
        let report = FuzzCampaign(preset: .registerPressure, firstSeed: 1_000, maxPrograms: 6).run()
        #expect(report.programs == 6)
        // Every program under every JIT configuration, unverified and with two policies' facts.
        #expect(report.comparisons == 6 * FuzzEngines.jitOptions.count * 3)
        #expect(report.verifiedComparisons > 0)
        #expect(report.failures.isEmpty, "\(report)")
        #expect(report.trapped.isEmpty, "safe programs never trap: \(report)")
    }
}
