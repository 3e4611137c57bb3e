import EBPFCore

/// Swift code the JIT-compiled program calls on slow paths, through C-convention entry points
/// whose addresses are baked into the code.
enum RuntimeSupport {
    /// Checks an access the inline check did not accept (it may test only the input memory)
    /// against the stack area and the regions helpers returned during this run. Returns 1 if it lies entirely in one;
    /// otherwise writes an out-of-bounds trap record into the context and returns 0.
    /// The access's `info` (`pc << 5 | size << 1 | isWrite`) is in the trap record's detail
    /// field, where the access's own slow-path stub stored it before calling the shared slow path.
    static let checkAccess: @convention(c) (UnsafeMutableRawPointer, UInt64) -> UInt64 = { context, address in
        let info = RunContext(context)[RunContextLayout.trapDetail]
        let size = (info >> 1) & 0xf
        if RunContext(context).stackAreaContains(address: address, size: size) { return 1 }
        if RunContext(context).helperRegionsContain(address: address, size: size) { return 1 }
        if RunContext(context).extraRegionsContain(address: address, size: size) { return 1 }
        let record = RunContext(context)
        record.setTrap(.outOfBounds, pc: Int(info >> 5), value: address, detail: Int64(info & 0x1f))
        return 0
    }

    /// ``checkAccess``'s address, as an immediate for `movabs`.
    static let checkAccessAddress = UInt64(UInt(bitPattern: unsafeBitCast(checkAccess, to: UnsafeRawPointer.self)))
}

/// Typed access to a per-run context (see ``RunContextLayout``).
struct RunContext {
    let base: UnsafeMutableRawPointer

    init(_ base: UnsafeMutableRawPointer) { self.base = base }

    subscript(_ offset: Int32) -> UInt64 {
        get { base.load(fromByteOffset: Int(offset), as: UInt64.self) }
        nonmutating set { base.storeBytes(of: newValue, toByteOffset: Int(offset), as: UInt64.self) }
    }

    /// Fills the context for a run over `memory` with the stack area starting at `stackBase`.
    /// Every field the code or the slow paths read is set here; the rest (the trap record's pc,
    /// value and detail, the ring's entries) is written before it is read.
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
        self[RunContextLayout.stackTop] = stackBase + UInt64(ExecutionLimits.stackSize)
        self[RunContextLayout.callDepthLimit] = 0
        self[RunContextLayout.counterStart] = UInt64(bitPattern: RunContextLayout.counterStart(budget: instructionBudget))
        self[RunContextLayout.trapKind] = 0
        self[RunContextLayout.helperRegionCount] = 0
        self[RunContextLayout.helperRegions] = helperRegions
        self[RunContextLayout.extraRegions] = extraRegions
        self[RunContextLayout.extraRegionCount] = extraRegionCount
    }

    /// Whether [address, address + size) lies inside one of the program's extra regions
    /// (``RunContextLayout/extraRegions``).
    func extraRegionsContain(address: UInt64, size: UInt64) -> Bool {
        let count = Int(self[RunContextLayout.extraRegionCount])
        guard count > 0, let pairs = UnsafePointer<UInt64>(bitPattern: UInt(self[RunContextLayout.extraRegions])) else {
            return false
        }
        for index in 0..<count {
            let start = pairs[2 * index]
            let length = pairs[2 * index + 1]
            if address >= start, length >= size, address - start <= length - size { return true }
        }
        return false
    }

    /// Whether [address, address + size) lies inside the stack area (none when its base is 0).
    func stackAreaContains(address: UInt64, size: UInt64) -> Bool {
        let start = self[RunContextLayout.stackBase]
        let length = UInt64(ExecutionLimits.stackSize)
        return start != 0 && address >= start && address - start <= length - size
    }

    /// Whether [address, address + size) lies inside one of the recorded helper regions.
    func helperRegionsContain(address: UInt64, size: UInt64) -> Bool {
        let count = min(Int(self[RunContextLayout.helperRegionCount]), RunContextLayout.helperRegionCapacity)
        guard count > 0, let ring = UnsafePointer<UInt64>(bitPattern: UInt(self[RunContextLayout.helperRegions])) else {
            return false
        }
        for index in 0..<count {
            let start = ring[2 * index]
            let length = ring[2 * index + 1]
            if address >= start, length >= size, address - start <= length - size { return true }
        }
        return false
    }

    func setTrap(_ kind: TrapKind, pc: Int, value: UInt64, detail: Int64) {
        self[RunContextLayout.trapKind] = UInt64(kind.rawValue)
        self[RunContextLayout.trapPC] = UInt64(bitPattern: Int64(pc))
        self[RunContextLayout.trapValue] = value
        self[RunContextLayout.trapDetail] = UInt64(bitPattern: detail)
    }

    /// The trap the run ended with, or `nil` if it returned normally. Invalid-instruction traps
    /// are looked up in `staticTraps` by the index the trap record holds.
    @inline(__always)
    func trap(staticTraps: [ExecutionTrap?]) -> ExecutionTrap? {
        if self[RunContextLayout.trapKind] == 0 { return nil }
        return recordedTrap(staticTraps: staticTraps)
    }

    /// The trap the record describes (trapKind is non-zero).
    @inline(never)
    func recordedTrap(staticTraps: [ExecutionTrap?]) -> ExecutionTrap? {
        guard let kind = TrapKind(rawValue: Int32(truncatingIfNeeded: self[RunContextLayout.trapKind])), kind != .none else {
            return nil
        }
        let pc = Int(Int64(bitPattern: self[RunContextLayout.trapPC]))
        let value = self[RunContextLayout.trapValue]
        let detail = self[RunContextLayout.trapDetail]
        switch kind {
        case .none:
            return nil
        case .outOfBounds:
            return .outOfBounds(pc: pc, address: value, size: Int(detail >> 1), isWrite: detail & 1 != 0)
        case .budgetExhausted:
            // The counter started at counterStart: the difference is the number executed.
            return .budgetExhausted(pc: pc, executed: value &- self[RunContextLayout.counterStart])
        case .callDepthExceeded:
            return .callDepthExceeded(pc: pc, depth: ExecutionLimits.maxCallDepth)
        case .unknownHelper:
            return .unknownHelper(pc: pc, id: Int64(bitPattern: value))
        case .invalidInstruction:
            let index = Int(detail)
            if index >= 0, index < staticTraps.count, let trap = staticTraps[index] { return trap }
            return .invalidInstruction(pc: pc, reason: "invalid instruction")
        }
    }
}
