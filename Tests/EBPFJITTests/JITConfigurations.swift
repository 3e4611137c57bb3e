import EBPFCore
import EBPFJIT
import EBPFInterpreter
import EBPFTestSupport

/// The code-generation options every differential test runs under: the default map with and
/// without BMI2, rotations of the role order (which move R0 off rax, put JIT state in rax/rdx/rcx
/// and eBPF registers in r12/r13), and seeded shuffles; each with per-program register
/// allocation (the default, the map giving the roles and ties) except three that take their map
/// as it is (the default without BMI2, one rotation, one shuffle).
enum JITConfigurations {
    static let hasBMI2 = CPUFeatures.current.hasBMI2

    static let all: [JITOptions] = {
        var options: [JITOptions] = [
            JITOptions(registerMap: .default, useBMI2: hasBMI2),
            // Also the layout without loop-head padding.
            JITOptions(registerMap: .default, useBMI2: false, alignLoopHeads: false, allocatesRegisters: false),
            JITOptions(registerMap: .default, useBMI2: false),
        ]
        for steps in [1, 3, 5, 7, 11] {
            options.append(JITOptions(registerMap: .rotated(by: steps), useBMI2: hasBMI2 && steps % 2 == 1 && steps > 3,
                                      allocatesRegisters: steps != 5))
        }
        var generator = SplitMix64(seed: 0x5eed_0f_0a9)
        for index in 0..<3 {
            options.append(JITOptions(registerMap: .random(using: &generator), useBMI2: hasBMI2 && index == 1,
                                      allocatesRegisters: index != 2))
        }
        return options
    }()

    /// A harness comparing the interpreter (reference) with the JIT under `options`.
    static func harness(_ options: JITOptions, helpers: HelperRegistry, limits: ExecutionLimits = .init()) -> DifferentialHarness {
        DifferentialHarness(
            reference: { Interpreter(program: $0, helpers: helpers, limits: limits) },
            candidate: { try JIT.compile($0, helpers: helpers, limits: limits, options: options) },
            referenceName: "interpreter", candidateName: "jit"
        )
    }
}
