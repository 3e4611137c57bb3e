/// Why an ELF object could not be loaded. Every case carries the byte offset in the file where
/// the problem is, so a malformed or truncated object gives a precise message instead of a crash.
public enum ELFError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file ends before the `count` bytes needed at `offset`.
    case truncated(offset: Int, count: Int)
    /// The file does not start with `\x7fELF`.
    case notELF
    /// A valid ELF file this loader does not handle (32-bit, big-endian, not `EM_BPF`, ...).
    case unsupported(offset: Int, reason: String)
    /// A section header whose fields are inconsistent (data past the end of the file, ...).
    case invalidSection(index: Int, offset: Int, reason: String)
    /// A string-table reference that is out of range or not NUL-terminated.
    case invalidString(offset: Int)
    /// A symbol whose fields are inconsistent.
    case invalidSymbol(index: Int, offset: Int, reason: String)
    /// A relocation that cannot be applied.
    case invalidRelocation(offset: Int, reason: String)
    /// A relocation refers to a symbol the object does not define (an `extern`).
    case unresolvedSymbol(name: String, offset: Int)
    /// A program's instructions do not decode (`reason` from ``DecodeError``).
    case invalidProgram(name: String, offset: Int, reason: String)
    /// A map definition (legacy `maps` section or BTF `.maps`) the runtime cannot create.
    case invalidMapDefinition(name: String, offset: Int, reason: String)
    /// The `.BTF` section is malformed.
    case invalidBTF(offset: Int, reason: String)

    /// The byte offset in the file the error refers to.
    public var offset: Int {
        switch self {
        case .truncated(let offset, _), .unsupported(let offset, _), .invalidSection(_, let offset, _),
            .invalidString(let offset), .invalidSymbol(_, let offset, _), .invalidRelocation(let offset, _),
            .unresolvedSymbol(_, let offset), .invalidProgram(_, let offset, _), .invalidMapDefinition(_, let offset, _),
            .invalidBTF(let offset, _):
            offset
        case .notELF:
            0
        }
    }

    public var description: String {
        let location = "at offset 0x\(String(offset, radix: 16))"
        switch self {
        case .truncated(_, let count): return "file truncated: \(count) bytes needed \(location)"
        case .notELF: return "not an ELF file (bad magic) \(location)"
        case .unsupported(_, let reason): return "unsupported ELF file: \(reason) \(location)"
        case .invalidSection(let index, _, let reason): return "section \(index): \(reason) \(location)"
        case .invalidString: return "invalid string table reference \(location)"
        case .invalidSymbol(let index, _, let reason): return "symbol \(index): \(reason) \(location)"
        case .invalidRelocation(_, let reason): return "relocation: \(reason) \(location)"
        case .unresolvedSymbol(let name, _): return "unresolved symbol '\(name)' \(location)"
        case .invalidProgram(let name, _, let reason): return "program '\(name)': \(reason) \(location)"
        case .invalidMapDefinition(let name, _, let reason): return "map '\(name)': \(reason) \(location)"
        case .invalidBTF(_, let reason): return "BTF: \(reason) \(location)"
        }
    }
}
