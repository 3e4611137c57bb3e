/// A map an ELF object defines: in the legacy `maps` section, in the BTF `.maps` section, or a
/// global-data section (`.data`, `.rodata`, `.bss`, and their `.name` variants) turned into a
/// one-element array map.
public struct ELFMap: Sendable, Hashable {
    public enum Origin: String, Sendable, Hashable {
        /// `struct bpf_map_def` in the `maps` section.
        case legacyDefinition
        /// A variable in `.maps` described by BTF.
        case btfDefinition
        /// A `.data`/`.rodata`/`.bss` section.
        case globalData
    }

    /// The symbol's name (or the section's name for global data).
    public let name: String
    public let definition: MapDefinition
    public let origin: Origin
    /// The contents of a global-data map's single value (zeros for `.bss`); `nil` for other maps.
    public let initialValue: [UInt8]?
    /// Index of the section that defines the map, and the definition's offset in it.
    let sectionIndex: Int
    let sectionOffset: UInt64
}
