import EBPFCore

/// Typed access to the per-call context block of a JIT run (see ``RunContextLayout``): the raw
/// memory JIT code addresses through its context register. Not to be confused with EBPFRuntime's
/// `RunContext`, the helpers' view of a linked program's run.
struct JITRunContext {
    let base: UnsafeMutableRawPointer

    init(_ base: UnsafeMutableRawPointer) { self.base = base }

    subscript(_ offset: Int32) -> UInt64 {
        get { base.load(fromByteOffset: Int(offset), as: UInt64.self) }
        nonmutating set { base.storeBytes(of: newValue, toByteOffset: Int(offset), as: UInt64.self) }
    }

    /// Fills the context for a run over `memory` with the stack area starting at `stackBase`
    /// (0: none). Every field the code or the slow paths read is set here; the rest (the trap
    /// record's pc, value and detail, the ring's entries) is written before it is read.
    func prepare(memoryBase: UInt64, memoryLength: UInt64, stackBase: UInt64, instructionBudget: UInt64,
                 helperRegions: UInt64, extraRegions: UInt64, extraRegionCount: UInt64) {
        self[RunContextLayout.memoryBase] = memoryBase
        self[RunContextLayout.memoryLength] = memoryLength
        // Valid start offsets for sizes 1, 2, 4, 8: max(0, length - size + 1).
        self[RunContextLayout.memoryStartCounts] = memoryLength
        self[RunContextLayout.memoryStartCounts + 8] = memoryLength >= 2 ? memoryLength - 1 : 0
        self[RunContextLayout.memoryStartCounts + 16] = memoryLength >= 4 ? memoryLength - 3 : 0
        self[RunContextLayout.memoryStartCounts + 24] = memoryLength >= 8 ? memoryLength - 7 : 0
        self[RunContextLayout.stackBase] = stackBase
        self[RunContextLayout.stackTop] = StackArea.top(base: stackBase)
        self[RunContextLayout.callDepthLimit] = 0
        self[RunContextLayout.counterStart] = UInt64(bitPattern: RunContextLayout.counterStart(budget: instructionBudget))
        self[RunContextLayout.trapKind] = 0
        self[RunContextLayout.helperRegionCount] = 0
        self[RunContextLayout.helperRegions] = helperRegions
        self[RunContextLayout.extraRegions] = extraRegions
        self[RunContextLayout.extraRegionCount] = extraRegionCount
    }

    /// Whether `[address, address + size)` lies inside the stack area (none when its base is 0),
    /// a region helpers returned during this run (the ring keeps the last
    /// ``RunContextLayout/helperRegionCapacity``) or one of the program's extra regions: the
    /// slow path of an access check, with the rule every engine shares
    /// (``MemoryRegion/contains(start:count:address:size:)``).
    func regionsContain(address: UInt64, size: UInt64) -> Bool {
        if StackArea.region(base: self[RunContextLayout.stackBase]).contains(address: address, size: size) {
            return true
        }
        let returned = min(self[RunContextLayout.helperRegionCount], UInt64(RunContextLayout.helperRegionCapacity))
        let ring = UnsafeRawPointer(bitPattern: UInt(self[RunContextLayout.helperRegions]))
        if MemoryRegions(pairs: ring, count: Int(returned)).contains(address: address, size: size) { return true }
        let extra = UnsafeRawPointer(bitPattern: UInt(self[RunContextLayout.extraRegions]))
        return MemoryRegions(pairs: extra, count: Int(self[RunContextLayout.extraRegionCount]))
            .contains(address: address, size: size)
    }

    /// The trap the run ended with, or `nil` if it returned normally.
    @inline(__always)
    func trap(staticTraps: [ExecutionTrap?]) -> ExecutionTrap? {
        if self[RunContextLayout.trapKind] == 0 { return nil }
        return recordedTrap(staticTraps: staticTraps)
    }

    /// The trap the record describes (``TrapRecord/trap(counterStart:staticTraps:)``); kept out
    /// of line, off the normal return.
    @inline(never)
    func recordedTrap(staticTraps: [ExecutionTrap?]) -> ExecutionTrap? {
        TrapRecord(in: self).trap(counterStart: self[RunContextLayout.counterStart], staticTraps: staticTraps)
    }
}
