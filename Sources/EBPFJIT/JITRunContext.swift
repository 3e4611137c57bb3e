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

    /// Whether `[address, address + size)` lies inside the stack area (none when its base is 0),
    /// a region helpers returned during this run (the ring keeps the last
    /// ``RunContextLayout/helperRegionCapacity``) or one of the program's extra regions: the
    /// slow path of an access check, with the rule every engine shares
    /// (``MemoryRegion/contains(start:count:address:size:)``). The prologue of code that has a
    /// slow path sets the stack base and the helper-region count.
    func regionsContain(address: UInt64, size: UInt64, extraRegions: MemoryRegions) -> Bool {
        if StackArea.region(base: self[RunContextLayout.stackBase]).contains(address: address, size: size) {
            return true
        }
        let returned = min(self[RunContextLayout.helperRegionCount], UInt64(RunContextLayout.helperRegionCapacity))
        if returned > 0 {
            let ring = UnsafeRawPointer(bitPattern: UInt(self[RunContextLayout.helperRegions]))
            if MemoryRegions(pairs: ring, count: Int(returned)).contains(address: address, size: size) { return true }
        }
        return extraRegions.contains(address: address, size: size)
    }
}
