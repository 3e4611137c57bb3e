/// The file formats a program can be read from.
public enum ProgramFormat: String, Sendable, CaseIterable {
    /// Text assembly in the conformance corpus syntax (`.s`, `.asm`).
    case assembly = "asm"
    /// Raw little-endian bytecode, 8 bytes per slot (`.bin`).
    case bytecode = "bin"
    /// An ELF object from `clang -target bpf` (`.o`).
    case elf

    /// The format a file name's extension implies, or `nil` when it implies none.
    public init?(path: String) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: ".") else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "s", "asm": self = .assembly
        case "bin", "bpf": self = .bytecode
        case "o", "elf": self = .elf
        default: return nil
        }
    }
}
