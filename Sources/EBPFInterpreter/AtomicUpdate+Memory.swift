import Synchronization

// Added for EBPFRuntime: maps are shared by programs running on several threads at once, so the
// interpreter's atomics must be atomic across threads (the JIT's are `lock`-prefixed). Aligned
// accesses use the hardware atomics through `Atomic`; a misaligned one (the kernel's verifier
// rejects those) falls back to a plain read-modify-write.
extension AtomicUpdate {
    /// Applies the update to the 8 bytes at `pointer` and returns the old value.
    @inline(__always)
    func apply(at pointer: UnsafeMutableRawPointer, operand: UInt64, expected: UInt64) -> UInt64 {
        guard UInt(bitPattern: pointer) % 8 == 0 else {
            let old = pointer.loadUnaligned(as: UInt64.self)
            pointer.storeBytes(of: newValue(old: old, operand: operand, expected: expected), as: UInt64.self)
            return old
        }
        let atomic = UnsafeMutablePointer<Atomic<UInt64>>(OpaquePointer(pointer))
        switch self {
        case .add: return atomic.pointee.wrappingAdd(operand, ordering: .sequentiallyConsistent).oldValue
        case .or: return atomic.pointee.bitwiseOr(operand, ordering: .sequentiallyConsistent).oldValue
        case .and: return atomic.pointee.bitwiseAnd(operand, ordering: .sequentiallyConsistent).oldValue
        case .xor: return atomic.pointee.bitwiseXor(operand, ordering: .sequentiallyConsistent).oldValue
        case .exchange: return atomic.pointee.exchange(operand, ordering: .sequentiallyConsistent)
        case .compareExchange:
            return atomic.pointee.compareExchange(expected: expected, desired: operand, ordering: .sequentiallyConsistent).original
        }
    }

    /// The 32-bit form of ``apply(at:operand:expected:)``.
    @inline(__always)
    func apply(at pointer: UnsafeMutableRawPointer, operand: UInt32, expected: UInt32) -> UInt32 {
        guard UInt(bitPattern: pointer) % 4 == 0 else {
            let old = pointer.loadUnaligned(as: UInt32.self)
            pointer.storeBytes(of: newValue(old: old, operand: operand, expected: expected), as: UInt32.self)
            return old
        }
        let atomic = UnsafeMutablePointer<Atomic<UInt32>>(OpaquePointer(pointer))
        switch self {
        case .add: return atomic.pointee.wrappingAdd(operand, ordering: .sequentiallyConsistent).oldValue
        case .or: return atomic.pointee.bitwiseOr(operand, ordering: .sequentiallyConsistent).oldValue
        case .and: return atomic.pointee.bitwiseAnd(operand, ordering: .sequentiallyConsistent).oldValue
        case .xor: return atomic.pointee.bitwiseXor(operand, ordering: .sequentiallyConsistent).oldValue
        case .exchange: return atomic.pointee.exchange(operand, ordering: .sequentiallyConsistent)
        case .compareExchange:
            return atomic.pointee.compareExchange(expected: expected, desired: operand, ordering: .sequentiallyConsistent).original
        }
    }
}
