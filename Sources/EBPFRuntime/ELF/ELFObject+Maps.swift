extension ELFObject {
    /// Every map the object defines: legacy definitions, BTF definitions, then global data.
    static func readMaps(_ file: ELFFile) throws(ELFError) -> [ELFMap] {
        var maps: [ELFMap] = []
        if let section = file.section(named: "maps") {
            maps += try readLegacyMaps(file, section)
        }
        if let section = file.section(named: ".maps") {
            maps += try readBTFMaps(file, section)
        }
        for section in file.sections where isGlobalData(section) {
            let data = try file.data(of: section)
            let readOnly = section.name.hasPrefix(".rodata")
            let definition = MapDefinition(
                type: .array, keySize: 4, valueSize: section.size, maxEntries: 1,
                flags: readOnly ? MapDefinition.readOnlyForProgramsFlag : 0)
            try check(definition, name: section.name, offset: section.headerOffset + 32)
            maps.append(ELFMap(
                name: section.name, definition: definition, origin: .globalData, initialValue: data,
                sectionIndex: section.index, sectionOffset: 0))
        }
        return maps
    }

    static func isGlobalData(_ section: ELFFile.Section) -> Bool {
        guard section.flags & ELFFile.Section.flagAllocated != 0, !section.isExecutable, section.size > 0 else { return false }
        return [".data", ".rodata", ".bss"].contains { section.name == $0 || section.name.hasPrefix($0 + ".") }
    }

    private static func check(_ definition: MapDefinition, name: String, offset: Int) throws(ELFError) {
        do {
            try definition.validate()
        } catch {
            throw .invalidMapDefinition(name: name, offset: offset, reason: error.description)
        }
    }

    private static func mapType(_ raw: UInt32, name: String, offset: Int) throws(ELFError) -> MapType {
        guard let type = MapType(rawValue: raw) else {
            throw .invalidMapDefinition(name: name, offset: offset, reason: "map type \(raw) is not supported")
        }
        return type
    }

    /// `struct bpf_map_def { u32 type, key_size, value_size, max_entries, map_flags; }` per symbol,
    /// each definition `section size / symbol count` bytes (as libbpf reads it).
    private static func readLegacyMaps(_ file: ELFFile, _ section: ELFFile.Section) throws(ELFError) -> [ELFMap] {
        let symbols = file.symbols
            .filter { $0.sectionIndex == section.index && $0.type != ELFFile.Symbol.typeSection && !$0.name.isEmpty }
            .sorted { $0.value < $1.value }
        guard !symbols.isEmpty else { return [] }
        guard section.hasFileData else {
            throw .invalidSection(index: section.index, offset: section.headerOffset + 4, reason: "maps section has no data")
        }
        let definitionSize = section.size / symbols.count
        guard definitionSize >= 16 else {
            throw .invalidMapDefinition(
                name: symbols[0].name, offset: section.offset,
                reason: "\(definitionSize)-byte definitions are too short (16 bytes at least)")
        }
        var maps: [ELFMap] = []
        for symbol in symbols {
            guard symbol.value <= UInt64(section.size - 16) else {
                throw .invalidSymbol(index: symbol.index, offset: symbol.entryOffset + 8, reason: "map definition lies outside the maps section")
            }
            let start = section.offset + Int(symbol.value)
            let reader = file.reader
            let definition = MapDefinition(
                type: try mapType(reader.u32(start), name: symbol.name, offset: start),
                keySize: Int(try reader.u32(start + 4)), valueSize: Int(try reader.u32(start + 8)),
                maxEntries: Int(try reader.u32(start + 12)),
                flags: definitionSize >= 20 && Int(symbol.value) + 20 <= section.size ? try reader.u32(start + 16) : 0)
            try check(definition, name: symbol.name, offset: start)
            maps.append(ELFMap(
                name: symbol.name, definition: definition, origin: .legacyDefinition, initialValue: nil,
                sectionIndex: section.index, sectionOffset: symbol.value))
        }
        return maps
    }

    /// Variables of the `.maps` data section, each a struct whose members are written with
    /// libbpf's `__uint(name, value)` (a pointer to an array of `value` elements) and
    /// `__type(name, T)` (a pointer to `T`).
    private static func readBTFMaps(_ file: ELFFile, _ section: ELFFile.Section) throws(ELFError) -> [ELFMap] {
        guard section.size > 0 else { return [] }
        guard let btfSection = file.section(named: ".BTF"), btfSection.hasFileData else {
            throw .invalidMapDefinition(name: ".maps", offset: section.headerOffset, reason: "BTF-defined maps need a .BTF section")
        }
        let btf = try BTF(reader: file.reader, sectionOffset: btfSection.offset, sectionSize: btfSection.size)
        guard let dataSection = btf.dataSection(named: ".maps") else {
            throw .invalidBTF(offset: btfSection.offset, reason: "no DATASEC for .maps")
        }
        var maps: [ELFMap] = []
        for variable in dataSection.variables {
            let variableType = try btf.type(variable.type, at: dataSection.offset)
            guard variableType.kind == .variable else {
                throw .invalidBTF(offset: variableType.offset, reason: "entry of .maps is not a variable")
            }
            let name = variableType.name
            let structure = try btf.resolved(variableType.sizeOrType, at: variableType.offset)
            guard structure.kind == .structure else {
                throw .invalidMapDefinition(name: name, offset: structure.offset, reason: "a BTF map definition must be a struct")
            }
            var fields: [String: Int] = [:]
            for member in structure.members {
                let pointer = try btf.resolved(member.type, at: structure.offset)
                guard pointer.kind == .pointer else {
                    throw .invalidMapDefinition(name: name, offset: pointer.offset, reason: "member '\(member.name)' is not a pointer")
                }
                switch member.name {
                case "key", "value":
                    fields[member.name + "_size"] = try btf.size(of: pointer.sizeOrType, at: pointer.offset)
                case "values":
                    continue  // initial program-array contents: not supported, ignored
                default:
                    let array = try btf.resolved(pointer.sizeOrType, at: pointer.offset)
                    guard array.kind == .array else {
                        throw .invalidMapDefinition(name: name, offset: array.offset, reason: "member '\(member.name)' is not __uint(...)")
                    }
                    fields[member.name] = Int(array.arrayCount)
                }
            }
            guard let rawType = fields["type"] else {
                throw .invalidMapDefinition(name: name, offset: structure.offset, reason: "no 'type' member")
            }
            let offset = file.symbols.first { $0.sectionIndex == section.index && $0.name == name }?.value ?? UInt64(variable.offset)
            let definition = MapDefinition(
                type: try mapType(UInt32(truncatingIfNeeded: rawType), name: name, offset: structure.offset),
                keySize: fields["key_size"] ?? 0, valueSize: fields["value_size"] ?? 0,
                maxEntries: fields["max_entries"] ?? 0, flags: UInt32(truncatingIfNeeded: fields["map_flags"] ?? 0))
            try check(definition, name: name, offset: structure.offset)
            maps.append(ELFMap(
                name: name, definition: definition, origin: .btfDefinition, initialValue: nil,
                sectionIndex: section.index, sectionOffset: offset))
        }
        return maps
    }
}
