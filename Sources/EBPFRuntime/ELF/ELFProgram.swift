import EBPFCore

/// An entry function of an ELF object, with the local functions it calls appended and every
/// relocation applied.
///
/// Map references are `lddw` with src 1 (map) or src 2 (global data: map value + offset) whose
/// immediate is the index of the map in ``ELFObject/maps``; ``LoadedObject`` renumbers them to map
/// handles.
public struct ELFProgram: Sendable, Hashable {
    /// The function's symbol name (`SEC("xdp") int count_packets(...)` → `count_packets`).
    public let name: String
    /// The section it is in (`xdp`, `socket`, `.text`, ...).
    public let section: String
    /// The linked instructions: the function first (entry at slot 0), then the functions it calls.
    public let program: Program
    /// Indexes into ``ELFObject/maps`` of the maps the program references.
    public let mapIndexes: [Int]

    /// The program's type, from its section name as libbpf chooses it.
    public var type: ProgramType { ProgramType(section: section) }
}
