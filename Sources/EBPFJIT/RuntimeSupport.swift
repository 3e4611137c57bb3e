import EBPFCore

/// Swift code the JIT-compiled program calls on slow paths, through C-convention entry points
/// whose addresses are baked into the code.
enum RuntimeSupport {
    /// Checks an access the inline check did not accept (it may test only the input memory)
    /// against the stack area, the regions helpers returned during this run and the program's
    /// extra regions (`extraPairs`, `extraCount` pairs, constants in the code)
    /// (``JITRunContext/regionsContain(address:size:extraRegions:)``). Returns 1 if it lies
    /// entirely in one; otherwise writes an out-of-bounds trap record into the context and
    /// returns 0. The access's ``TrapRecord/accessInfo(pc:size:isWrite:)`` is in the trap
    /// record's detail field, where the access's own slow-path stub stored it before calling the
    /// shared slow path.
    static let checkAccess: @convention(c) (UnsafeMutableRawPointer, UInt64, UnsafeRawPointer?, UInt64) -> UInt64 = {
        base, address, extraPairs, extraCount in
        let context = JITRunContext(base)
        let info = context[RunContextLayout.trapDetail]
        let extra = MemoryRegions(pairs: extraPairs, count: Int(extraCount))
        if context.regionsContain(address: address, size: TrapRecord.accessSize(info: info), extraRegions: extra) { return 1 }
        TrapRecord.outOfBounds(address: address, accessInfo: info).write(to: context)
        return 0
    }

    /// ``checkAccess``'s address, as an immediate for `movabs`.
    static let checkAccessAddress = UInt64(UInt(bitPattern: unsafeBitCast(checkAccess, to: UnsafeRawPointer.self)))
}
