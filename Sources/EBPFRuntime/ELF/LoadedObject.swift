import EBPFCore

/// An ELF object whose maps exist: each map of ``ELFObject/maps`` created (global data filled
/// with its initial contents) and added to a ``MapTable``, ready to link programs against.
///
/// ```swift
/// let object = try ELFObject(bytes: bytes)
/// let loaded = try LoadedObject(object)
/// let linked = try loaded.link(loaded.object.program(named: "count_packets")!)
/// // verify linked.verifierProgram with linked.mapDefinitions, build an engine from
/// // linked.program / linked.helpers / linked.regions, then:
/// var packet: [UInt8] = ...
/// let r0 = try linked.run(using: engine, bytes: &packet)
/// let counts = try loaded.map(named: "counts")!.entries(as: UInt32.self, UInt64.self)
/// ```
public final class LoadedObject: Sendable {
    public let object: ELFObject
    /// The table the maps were added to.
    public let table: MapTable
    /// The created maps, in the order of ``ELFObject/maps``.
    public let maps: [BPFMap]
    /// The handle of each map in ``table``, in the same order.
    public let mapHandles: [Int32]

    /// Creates the object's maps in `table`.
    /// - Throws: ``MapError`` when a map cannot be created.
    public init(_ object: ELFObject, table: MapTable = MapTable()) throws(MapError) {
        self.object = object
        self.table = table
        var maps: [BPFMap] = []
        for definition in object.maps {
            let map = try BPFMap.make(definition.definition, name: definition.name)
            if let initialValue = definition.initialValue, let array = map as? ArrayMap, let value = array.valueAddress(0) {
                initialValue.withUnsafeBytes { bytes in
                    if let base = bytes.baseAddress { value.copyMemory(from: base, byteCount: bytes.count) }
                }
            }
            maps.append(map)
        }
        self.maps = maps
        mapHandles = maps.map { table.add($0) }
    }

    /// Parses `bytes` and creates the maps.
    public convenience init(bytes: [UInt8], table: MapTable = MapTable()) throws(ObjectLoadError) {
        let object: ELFObject
        do { object = try ELFObject(bytes: bytes) } catch { throw .elf(error) }
        do { try self.init(object, table: table) } catch { throw .map(error) }
    }

    /// The map named `name` (a symbol name, or `.data`, `.rodata`, `.bss`).
    public func map(named name: String) -> BPFMap? {
        maps.first { $0.name == name }
    }

    /// The program named `name` (function or section name).
    public func program(named name: String) -> ELFProgram? {
        object.program(named: name)
    }

    /// `program` with its map references renumbered from object map indexes to table handles:
    /// what the verifier checks (with ``LinkedProgram/mapDefinitions``).
    public func verifierProgram(_ program: ELFProgram) -> Program {
        var slots = program.program.instructions
        for index in slots.indices {
            guard case .loadImmediate64(_, let kind, let value) = program.program.decoded[index],
                kind == .mapByFD || kind == .mapValueByFD
            else { continue }
            let mapIndex = Int(Int32(truncatingIfNeeded: value))
            slots[index].immediate = mapIndex >= 0 && mapIndex < mapHandles.count ? mapHandles[mapIndex] : -1
        }
        return Program(unchecked: slots)
    }

    /// Links `program` against this object's maps (see ``ProgramLinker``).
    public func link(_ program: ELFProgram, linker: ProgramLinker = ProgramLinker()) throws(LinkError) -> LinkedProgram {
        var byHandle: [Int32: BPFMap] = [:]
        for (map, handle) in zip(maps, mapHandles) { byHandle[handle] = map }
        return try linker.link(
            verifierProgram(program), maps: byHandle, name: program.name, license: object.license, type: program.type)
    }

    /// Links the program named `name`.
    public func link(_ name: String, linker: ProgramLinker = ProgramLinker()) throws(ObjectLoadError) -> LinkedProgram {
        guard let program = program(named: name) else { throw .noSuchProgram(name, available: object.programs.map(\.name)) }
        do { return try link(program, linker: linker) } catch { throw .link(error) }
    }
}
