import EBPFCore
import EBPFJIT
import EBPFProgramGenerator

/// Measures what constant blinding costs: machine-code size and run time of the same programs
/// compiled with and without ``JITOptions/constantBlinding``.
public enum BlindingCost {
    public struct Result: Sendable, CustomStringConvertible {
        public var programs = 0
        public var plainCodeBytes = 0
        public var blindedCodeBytes = 0
        public var plainCompile: Duration = .zero
        public var blindedCompile: Duration = .zero
        public var plainRun: Duration = .zero
        public var blindedRun: Duration = .zero
        public var runsPerProgram = 0

        public var description: String {
            func ratio(_ a: Double, _ b: Double) -> String { String(Int((a / b * 100).rounded())) + "%" }
            func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
            return """
                \(programs) programs, \(runsPerProgram) runs each
                code size: plain \(plainCodeBytes) B, blinded \(blindedCodeBytes) B (\(ratio(Double(blindedCodeBytes), Double(plainCodeBytes))))
                compile time: plain \(plainCompile), blinded \(blindedCompile) (\(ratio(seconds(blindedCompile), seconds(plainCompile))))
                run time: plain \(plainRun), blinded \(blindedRun) (\(ratio(seconds(blindedRun), seconds(plainRun))))
                """
        }
    }

    /// Compiles `programs` generated programs (default preset, seeds from `firstSeed`) both ways
    /// and runs each compiled program `runs` times, alternating the two to share cache effects.
    public static func measure(programs: Int = 200, runs: Int = 200, firstSeed: UInt64 = 0) throws(JITError) -> Result {
        var result = Result()
        result.programs = programs
        result.runsPerProgram = runs
        let clock = ContinuousClock()
        let generator = RandomProgramGenerator()
        var stack = [UInt8](repeating: 0, count: ExecutionLimits.stackSize)
        for seed in firstSeed..<(firstSeed + UInt64(programs)) {
            let generated = generator.generate(seed: seed)
            var start = clock.now
            let plain = try JIT.compile(generated.program, helpers: TestHelpers.registry, options: JITOptions(constantBlinding: false))
            result.plainCompile += clock.now - start
            start = clock.now
            let blinded = try JIT.compile(generated.program, helpers: TestHelpers.registry, options: JITOptions(constantBlinding: true))
            result.blindedCompile += clock.now - start
            result.plainCodeBytes += plain.codeSize
            result.blindedCodeBytes += blinded.codeSize
            var memory = generated.memory
            for (runner, isBlinded) in [(plain, false), (blinded, true)] {
                start = clock.now
                for _ in 0..<runs {
                    memory.withUnsafeMutableBytes { input in
                        stack.withUnsafeMutableBytes { stackBytes in
                            _ = try? runner.run(memory: input, stack: stackBytes)
                        }
                    }
                }
                if isBlinded { result.blindedRun += clock.now - start } else { result.plainRun += clock.now - start }
            }
        }
        return result
    }
}
