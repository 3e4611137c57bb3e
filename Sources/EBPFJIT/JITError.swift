import X86Encoding

/// Why a program could not be compiled or its code not be mapped. Run-time failures are
/// ``EBPFCore/ExecutionTrap``s, not `JITError`s.
public enum JITError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `mmap(2)` failed with this errno while reserving memory for the code.
    case mmapFailed(errno: Int32)
    /// `mprotect(2)` failed with this errno while making the code executable.
    case mprotectFailed(errno: Int32)
    /// The register map is not usable; the text says which rule it breaks.
    case invalidRegisterMap(String)
    /// The options ask for an instruction-set extension this CPU does not have.
    case unsupportedCPUFeature(String)
    /// The code generator produced inconsistent code (a bug, reported instead of crashing).
    case internalError(X86AssemblerError)
    /// The machine code would be `size` bytes, more than ``JITOptions/maxCodeSize``.
    case codeTooLarge(size: Int, limit: Int)

    public var description: String {
        switch self {
        case .mmapFailed(let errno): "mmap failed (errno \(errno))"
        case .mprotectFailed(let errno): "mprotect failed (errno \(errno))"
        case .invalidRegisterMap(let reason): "invalid register map: \(reason)"
        case .unsupportedCPUFeature(let feature): "the CPU does not support \(feature)"
        case .internalError(let error): "internal JIT error: \(error)"
        case .codeTooLarge(let size, let limit): "the machine code would be \(size) bytes, more than the limit of \(limit)"
        }
    }
}
