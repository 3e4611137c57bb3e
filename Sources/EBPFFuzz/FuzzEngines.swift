import EBPFCore
import EBPFInterpreter
import EBPFJIT
import EBPFDifferential
import EBPFProgramGenerator
import EBPFVerifier

/// The engine configurations the fuzzer compares with the interpreter: the JIT under several
/// register maps (with and without BMI2), unverified (every run-time check in place) and
/// verified (the verifier's facts remove checks).
public enum FuzzEngines {
    static let hasBMI2 = CPUFeatures.current.hasBMI2

    /// JIT options cycled through by seed: the default register map with and without BMI2 (without:
    /// once also without loop-head padding and without register allocation), several
    /// rotations of the role order, seeded shuffles, and two with constant blinding.
    public static let jitOptions: [JITOptions] = {
        var options: [JITOptions] = [
            JITOptions(registerMap: .default, useBMI2: hasBMI2),
            JITOptions(registerMap: .default, useBMI2: false, alignLoopHeads: false, allocatesRegisters: false),
            JITOptions(registerMap: .default, useBMI2: false),
        ]
        for steps in [1, 2, 3, 5, 7, 11] {
            options.append(JITOptions(registerMap: .rotated(by: steps), useBMI2: hasBMI2 && steps % 2 == 1, allocatesRegisters: steps != 3))
        }
        var generator = SplitMix64(seed: 0xf022_5eed)
        for index in 0..<4 {
            options.append(JITOptions(registerMap: .random(using: &generator), useBMI2: hasBMI2 && index % 2 == 0,
                                      allocatesRegisters: index != 1))
        }
        options.append(JITOptions(registerMap: .default, useBMI2: hasBMI2, constantBlinding: true))
        options.append(JITOptions(registerMap: .rotated(by: 4), useBMI2: false, constantBlinding: true))
        return options
    }()

    /// A harness with the interpreter as reference and the JIT under `options` as candidate.
    ///
    /// With `verifiedContextSize` set, the program is first given to the verifier (input memory of
    /// that size); when it is accepted, the JIT compiles it with the verifier's facts (so proven
    /// accesses, divisors and loops lose their run-time checks). A rejected program is compiled
    /// without facts. `loops` is the verifier's loop policy.
    public static func harness(
        jit options: JITOptions, limits: ExecutionLimits, verifiedContextSize: Int? = nil,
        loops: VerifierOptions.LoopPolicy = .bounded, helpers: HelperRegistry = TestHelpers.registry
    ) -> DifferentialHarness {
        DifferentialHarness(
            reference: { Interpreter(program: $0, helpers: helpers, limits: limits) },
            candidate: { program in
                var facts: VerifiedFacts?
                if let contextSize = verifiedContextSize {
                    let verifier = Verifier(helpers: helpers, options: VerifierOptions(loops: loops, contextSize: contextSize))
                    facts = try? verifier.verify(program).facts
                }
                return try JIT.compile(program, helpers: helpers, limits: limits, facts: facts, options: options)
            },
            referenceName: "interpreter", candidateName: verifiedContextSize == nil ? "jit" : loops == .bounded ? "jit+facts" : "jit+\(loops) facts"
        )
    }
}
