import EBPFCore
import X86Encoding

/// The x86-64 just-in-time compiler for eBPF (Linux, System V ABI).
public enum JIT {
    /// Compiles `program` to machine code in executable memory.
    ///
    /// - Parameters:
    ///   - helpers: the helpers `call N` and `callx` may reach; their body addresses are baked
    ///     into the code. Calling an unregistered id traps at run time.
    ///   - limits: the instruction budget, enforced on taken back-edges unless `facts` says the
    ///     program terminates.
    ///   - facts: what the verifier proved; each fact removes the matching run-time check
    ///     (`accessIsSafe` → no bounds check, `divisorIsNonZero` → no zero test, `terminates` →
    ///     no budget counting, `maxCallDepth <= 8` → no depth check).
    ///   - options: register map, BMI2 use, constant blinding and the code-size limit.
    ///   - extraRegions: memory besides the input and the stack that the program may access
    ///     (map storage from EBPFRuntime); accesses not proven safe are checked against it.
    public static func compile(
        _ program: Program, helpers: HelperRegistry = .init(), limits: ExecutionLimits = .init(),
        facts: VerifiedFacts? = nil, options: JITOptions = .init(), extraRegions: [MemoryRegion] = []
    ) throws(JITError) -> CompiledProgram {
        // No statistics wanted: the phases are not timed (seven clock reads less).
        var statistics = CompilationStatistics()
        return try compile(
            program, helpers: helpers, limits: limits, facts: facts, options: options, extraRegions: extraRegions,
            statistics: &statistics, timed: false)
    }

    /// Compiles `program` as ``compile(_:helpers:limits:facts:options:extraRegions:)`` does and
    /// records in `statistics` how long each phase took (see ``CompilationStatistics``).
    public static func compile(
        _ program: Program, helpers: HelperRegistry = .init(), limits: ExecutionLimits = .init(),
        facts: VerifiedFacts? = nil, options: JITOptions = .init(), extraRegions: [MemoryRegion] = [],
        statistics: inout CompilationStatistics
    ) throws(JITError) -> CompiledProgram {
        try compile(
            program, helpers: helpers, limits: limits, facts: facts, options: options, extraRegions: extraRegions,
            statistics: &statistics, timed: true)
    }

    /// The compilation; `timed`: whether the phases' durations are measured into `statistics`.
    private static func compile(
        _ program: Program, helpers: HelperRegistry, limits: ExecutionLimits, facts: VerifiedFacts?, options: JITOptions,
        extraRegions: [MemoryRegion], statistics: inout CompilationStatistics, timed: Bool
    ) throws(JITError) -> CompiledProgram {
        if options.useBMI2 && !CPUFeatures.current.hasBMI2 { throw .unsupportedCPUFeature("BMI2") }
        if options.useMOVBE && !CPUFeatures.current.hasMOVBE { throw .unsupportedCPUFeature("MOVBE") }
        var stopwatch = CompilationStopwatch(enabled: timed)
        let analysis = ProgramAnalysis(program)
        statistics.analysis = stopwatch.lap()
        let addresses = AddressAnalysis(analysis, facts: facts)
        statistics.addressAnalysis = stopwatch.lap()
        // One emission with every jump long, then branch relaxation in place.
        var assembler: X86Assembler
        let bodyLabels: [X86Label]
        let bodyEnd: X86Label
        let batchEntryOffset: Int
        // The extra regions at the address the slow path's call passes as a constant.
        let extraRegionTable = extraRegions.isEmpty ? RegionTable.empty : RegionTable(extraRegions)
        do {
            // Room for the usual code up front (each buffer grows once at most, instead of
            // doubling its way up): about 16 bytes, two labels and one jump per slot, a few
            // hundred bytes of entries, exits and stubs, twice that with the batch entry's copy.
            let copies = options.inlinedBatchBody ? 2 : 1
            let slots = analysis.slots.count
            var lowering = Lowering(
                analysis: analysis, addresses: addresses, helpers: helpers, limits: limits, facts: facts, options: options,
                assembler: X86Assembler(
                    reservingCodeBytes: copies * (16 * slots + 384), labels: copies * (2 * slots + 32), jumps: copies * (slots + 16)))
            // One seed per compilation.
            lowering.blindingSeed = options.constantBlinding ? UInt64.random(in: .min ... .max) : nil
            lowering.extraRegionPairs = extraRegionTable.address
            lowering.extraRegionCount = extraRegionTable.count
            lowering.emitProgram()
            // The lowering ends here, so the assembler's buffers are not shared while relaxed.
            assembler = lowering.a
            bodyLabels = lowering.bodyLabels
            bodyEnd = lowering.bodyEnd!
            batchEntryOffset = lowering.batchEntryOffset
        }
        statistics.emission = stopwatch.lap()
        do {
            try assembler.relaxInPlace()
        } catch {
            throw .internalError(error)
        }
        // The slots' labels moved with the code.
        let slotOffsets = Lowering.slotOffsets(bodyLabels, end: bodyEnd, in: assembler)
        statistics.branchRelaxation = stopwatch.lap()
        if assembler.code.count > options.maxCodeSize {
            throw .codeTooLarge(size: assembler.code.count, limit: options.maxCodeSize)
        }
        let memory = try ExecutableMemory(code: assembler.code)
        statistics.executableMapping = stopwatch.lap()
        let compiled = CompiledProgram(
            memory: memory, instructionOffsets: slotOffsets, batchEntryOffset: assembler.relocated(batchEntryOffset),
            limits: limits, staticTraps: analysis.staticTraps, extraRegions: extraRegions, extraRegionTable: extraRegionTable,
            mayWriteInput: analysis.mayWriteOutsideStack(helpers: helpers), helperArgumentsProven: facts != nil,
            batchHasOwnBody: options.inlinedBatchBody && !analysis.hasLocalCalls)
        statistics.total = stopwatch.elapsed
        return compiled
    }
}
