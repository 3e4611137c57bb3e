/// Code-generation choices that do not change what a program computes.
public struct JITOptions: Sendable, Hashable {
    /// Where eBPF registers and JIT state live: with ``allocatesRegisters``, where JIT state
    /// lives and which x86 register each eBPF register prefers when the program does not care.
    public var registerMap: RegisterMap
    /// Choose the x86 register of each eBPF register per program, from what the program does
    /// with it (copies, helper calls, divisions, shifts, liveness): see docs/jit.md, "Register
    /// allocation". Off, every program uses ``registerMap`` as it is. Programs with local calls
    /// always use ``registerMap``.
    public var allocatesRegisters: Bool
    /// Use BMI2 `shlx`/`shrx`/`sarx` for shifts by a register instead of shifting by `cl`.
    /// Compiling with `true` on a CPU without BMI2 fails with ``JITError/unsupportedCPUFeature(_:)``.
    public var useBMI2: Bool
    /// Constant blinding: every immediate of the program (ALU operands, comparison constants,
    /// store values, `lddw` constants, packet offsets) is emitted as `imm ^ key` and then
    /// `xor key`, with keys drawn from a fresh random seed per compilation, so a program cannot
    /// place chosen bytes in executable memory (JIT spraying). Shift counts (at most 63, one
    /// byte) and jump and memory offsets are not blinded. Costs about one extra instruction per
    /// constant; see docs/benchmarks.md.
    public var constantBlinding: Bool
    /// The most bytes of machine code one compilation may map; larger programs fail with
    /// ``JITError/codeTooLarge(size:limit:)`` before anything is mapped.
    public var maxCodeSize: Int
    /// Start every loop head (the target of a backward jump) at a 16-byte boundary, padding
    /// with Intel's recommended multi-byte NOPs, so a loop's placement does not depend on the
    /// code before it.
    public var alignLoopHeads: Bool
    /// Give the batch entry (``CompiledProgram/run(each:results:)``) its own copy of the body
    /// inside its loop, so an input costs no call: no register saves, no context set-up, only
    /// its R1, R2 and the result. For filters run over many packets (`ebpf filter` sets it);
    /// it doubles the code and most of the emission time. Programs with local calls keep the
    /// batch entry that calls the single entry per input.
    public var inlinedBatchBody: Bool
    /// Use `movbe` for a big-endian load (a load followed by a byte swap, or bytes assembled
    /// most significant first: ``Lowering`` + LoadCombining) instead of `mov` + `bswap`.
    /// Compiling with `true` on a CPU without MOVBE fails with ``JITError/unsupportedCPUFeature(_:)``.
    public var useMOVBE: Bool
    /// Give the innermost loops of an unverified program whose input accesses are affine in a
    /// counter a second copy without those accesses' bounds checks, entered when one check per
    /// access at the loop's entry covers every iteration (docs/jit.md, "Loop versioning").
    /// Results and traps are the same either way; `false` is for comparing.
    public var versionsLoops: Bool
    /// Move a register copy that only one way out of a block reads past the block's conditional
    /// jump, onto that way (clang's phi copies before a loop exit): see docs/jit.md, "sort:
    /// scaled-index accesses, sunk copies, loops on one cache line".
    public var sinksCopies: Bool

    /// The default ``maxCodeSize``: 64 MiB (a 1,000,000-instruction program needs about 20 MiB).
    public static let defaultMaxCodeSize = 64 << 20

    public init(
        registerMap: RegisterMap = .default, useBMI2: Bool = CPUFeatures.current.hasBMI2,
        constantBlinding: Bool = false, maxCodeSize: Int = JITOptions.defaultMaxCodeSize, alignLoopHeads: Bool = true,
        inlinedBatchBody: Bool = false, allocatesRegisters: Bool = true, useMOVBE: Bool = CPUFeatures.current.hasMOVBE,
        versionsLoops: Bool = true, sinksCopies: Bool = true
    ) {
        self.versionsLoops = versionsLoops
        self.sinksCopies = sinksCopies
        self.allocatesRegisters = allocatesRegisters
        self.useMOVBE = useMOVBE
        self.alignLoopHeads = alignLoopHeads
        self.inlinedBatchBody = inlinedBatchBody
        self.registerMap = registerMap
        self.useBMI2 = useBMI2
        self.constantBlinding = constantBlinding
        self.maxCodeSize = maxCodeSize
    }
}
