import EBPFCore

/// Why ``ProgramLinker`` could not prepare a program for the engines. Each case names the
/// instruction slot.
public enum LinkError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An `lddw` names a map handle that was not supplied.
    case unknownMap(index: Int, handle: Int32)
    /// An `lddw` with src 2 (map value) names a map that is not an array, or an offset past the
    /// value.
    case invalidMapValueReference(index: Int, handle: Int32, offset: UInt32, reason: String)
    /// An `lddw` kind the runtime does not resolve (src 3–6).
    case unsupportedLoadKind(index: Int, kind: UInt8)
    /// `bpf_tail_call` inside a function reached by a local call (the runtime supports tail calls
    /// only from the program's entry function).
    case tailCallInSubprogram(index: Int)
    /// An `lddw` has no second slot.
    case truncatedWideLoad(index: Int)
    /// An access through the context pointer the program type's context does not allow (the
    /// kernel's `is_valid_access`), or an instruction reached both with the context pointer and
    /// with another one.
    case invalidContextAccess(index: Int, reason: String)

    public var index: Int {
        switch self {
        case .unknownMap(let index, _), .invalidMapValueReference(let index, _, _, _), .unsupportedLoadKind(let index, _),
            .tailCallInSubprogram(let index), .truncatedWideLoad(let index), .invalidContextAccess(let index, _):
            index
        }
    }

    public var description: String {
        switch self {
        case .unknownMap(let index, let handle):
            "instruction \(index): no map with handle \(handle)"
        case .invalidMapValueReference(let index, let handle, let offset, let reason):
            "instruction \(index): map value reference to map \(handle) at offset \(offset): \(reason)"
        case .unsupportedLoadKind(let index, let kind):
            "instruction \(index): lddw with src \(kind) is not supported"
        case .tailCallInSubprogram(let index):
            "instruction \(index): bpf_tail_call inside a local function is not supported"
        case .truncatedWideLoad(let index):
            "instruction \(index): lddw without its second slot"
        case .invalidContextAccess(let index, let reason):
            "instruction \(index): \(reason)"
        }
    }
}
