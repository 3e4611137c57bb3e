/// Code-generation choices that do not change what a program computes.
public struct JITOptions: Sendable, Hashable {
    /// Where eBPF registers and JIT state live.
    public var registerAllocation: RegisterAllocation
    /// Use BMI2 `shlx`/`shrx`/`sarx` for shifts by a register instead of shifting by `cl`.
    /// Compiling with `true` on a CPU without BMI2 fails with ``JITError/unsupportedCPUFeature(_:)``.
    public var useBMI2: Bool

    public init(registerAllocation: RegisterAllocation = .default, useBMI2: Bool = CPUFeatures.current.hasBMI2) {
        self.registerAllocation = registerAllocation
        self.useBMI2 = useBMI2
    }
}
