import EBPFCore
import EBPFFuzz
import EBPFProgramGenerator
import Testing

/// A short run of the verifier soundness campaign (the long one is
/// `ebpf-fuzz --preset verifierSoundness`, docs/testing.md): no program the verifier accepts
/// traps when run with every check, and the campaign does catch a verifier that is wrong.
@Suite struct VerifierSoundnessTests {
    @Test func acceptedProgramsNeverTrap() {
        let report = VerifierSoundnessCampaign(firstSeed: 0, maxPrograms: 300).run()
        #expect(report.failures.isEmpty, "\(report)")
        // The mix exercises both sides: many accepted programs (mutants among them) and many
        // rejected ones.
        #expect(report.acceptedPrograms >= 100, "\(report)")
        #expect(report.acceptedMutants >= 30, "\(report)")
        #expect(report.rejected.values.reduce(0, +) >= 100, "\(report)")
        #expect(report.runs >= 2 * report.acceptedPrograms, "\(report)")
    }

    /// A verifier told the input is 16 bytes longer than it is accepts accesses past its end:
    /// the runs catch them.
    @Test func plantedUnsoundnessIsCaught() {
        var campaign = VerifierSoundnessCampaign(firstSeed: 0, maxPrograms: 300, maxFailures: 3)
        campaign.plantedContextSlack = 16
        let report = campaign.run()
        #expect(!report.failures.isEmpty, "\(report)")
        for failure in report.failures {
            guard case .trapped(.outOfBounds) = failure.termination else {
                Issue.record("expected an out-of-bounds trap: \(failure)")
                continue
            }
            #expect(failure.policy.fixedSize)
        }
    }

    @Test func mutationsAreReproducible() {
        let program = RandomProgramGenerator().generate(seed: 7).program.instructions
        var first = ProgramMutator(seed: 99)
        var second = ProgramMutator(seed: 99)
        let a = first.mutate(program, count: 3)
        #expect(a == second.mutate(program, count: 3))
        #expect(a.count == program.count)
        #expect(a != program)
    }
}
