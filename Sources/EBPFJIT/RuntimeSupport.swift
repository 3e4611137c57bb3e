import EBPFCore

/// Swift code the JIT-compiled program calls on slow paths, through C-convention entry points
/// whose addresses are baked into the code.
enum RuntimeSupport {
    /// Checks an access that is neither inside the stack area nor inside the input memory
    /// against the regions helpers returned during this run. Returns 1 if it lies entirely in one;
    /// otherwise writes an out-of-bounds trap record into the context and returns 0.
    /// `info` packs `pc << 32 | size << 1 | isWrite`.
    static let checkAccess: @convention(c) (UnsafeMutableRawPointer, UInt64, UInt64) -> UInt64 = { context, address, info in
        let size = (info >> 1) & 0xf
        if RunContext(context).helperRegionsContain(address: address, size: size) { return 1 }
        if RunContext(context).extraRegionsContain(address: address, size: size) { return 1 }
        let record = RunContext(context)
        record.setTrap(.outOfBounds, pc: Int(info >> 32), value: address, detail: Int64(info & 0x1f))
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
    func prepare(memoryBase: UInt64, memoryLength: UInt64, stackBase: UInt64, instructionBudget: UInt64) {
        self[RunContextLayout.memoryBase] = memoryBase
        self[RunContextLayout.memoryLength] = memoryLength
        for size in [1, 2, 4, 8] {
            let count = memoryLength >= UInt64(size) ? memoryLength - UInt64(size) + 1 : 0
            self[RunContextLayout.memoryStartCount(size: size)] = count
        }
        self[RunContextLayout.stackBase] = stackBase
        self[RunContextLayout.stackTop] = stackBase + UInt64(ExecutionLimits.stackSize)
        self[RunContextLayout.callDepthLimit] = 0
        self[RunContextLayout.instructionBudget] = instructionBudget
        self[RunContextLayout.trapKind] = 0
        self[RunContextLayout.helperRegionCount] = 0
        self[RunContextLayout.extraRegions] = 0
        self[RunContextLayout.extraRegionCount] = 0
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

    /// Whether [address, address + size) lies inside one of the recorded helper regions.
    func helperRegionsContain(address: UInt64, size: UInt64) -> Bool {
        let count = min(Int(self[RunContextLayout.helperRegionCount]), RunContextLayout.helperRegionCapacity)
        for index in 0..<count {
            let entry = RunContextLayout.helperRegions + Int32(index * 16)
            let start = self[entry]
            let length = self[entry + 8]
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
    func trap(staticTraps: [ExecutionTrap?]) -> ExecutionTrap? {
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
            return .budgetExhausted(pc: pc, executed: value)
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
