/// The raw structure of a 64-bit little-endian ELF relocatable object: section headers, the
/// symbol table and relocation tables, read with bounds checks only. ``ELFObject`` interprets
/// them as eBPF programs and maps.
struct ELFFile {
    static let machineBPF: UInt16 = 247

    struct Section {
        let index: Int
        let name: String
        let type: UInt32
        let flags: UInt64
        /// File offset of the data (meaningless for `SHT_NOBITS`).
        let offset: Int
        let size: Int
        let link: Int
        let info: Int
        let entrySize: Int
        /// File offset of this section's header, for error messages.
        let headerOffset: Int

        static let typeProgramBits: UInt32 = 1
        static let typeSymbolTable: UInt32 = 2
        static let typeRelocations: UInt32 = 9
        static let typeNoBits: UInt32 = 8
        static let flagAllocated: UInt64 = 0x2
        static let flagExecutable: UInt64 = 0x4

        var isExecutable: Bool { type == Self.typeProgramBits && flags & Self.flagExecutable != 0 }
        var hasFileData: Bool { type != Self.typeNoBits }
    }

    struct Symbol {
        let index: Int
        let name: String
        let type: UInt8
        let binding: UInt8
        /// Section index; 0 when undefined, >= 0xff00 for special sections.
        let sectionIndex: Int
        let value: UInt64
        let size: UInt64
        /// File offset of the symbol's entry.
        let entryOffset: Int

        static let typeFunction: UInt8 = 2
        static let typeSection: UInt8 = 3
        static let bindingLocal: UInt8 = 0
    }

    struct Relocation {
        /// Offset in the target section.
        let offset: UInt64
        let type: UInt32
        let symbolIndex: Int
        /// File offset of the relocation entry.
        let entryOffset: Int

        static let bpf64_64: UInt32 = 1
        static let bpfAbs64: UInt32 = 2
        static let bpfAbs32: UInt32 = 3
        static let bpfNoDyld32: UInt32 = 4
        static let bpf64_32: UInt32 = 10
    }

    let reader: ByteReader
    let sections: [Section]
    let symbols: [Symbol]
    /// Relocations by the index of the section they apply to.
    let relocations: [Int: [Relocation]]

    init(bytes: [UInt8]) throws(ELFError) {
        let reader = ByteReader(bytes)
        self.reader = reader
        guard bytes.count >= 4, bytes[0] == 0x7f, bytes[1] == 0x45, bytes[2] == 0x4c, bytes[3] == 0x46 else {
            if bytes.count < 4 { throw .truncated(offset: 0, count: 4) }
            throw .notELF
        }
        guard try reader.u8(4) == 2 else { throw .unsupported(offset: 4, reason: "not a 64-bit object") }
        guard try reader.u8(5) == 1 else { throw .unsupported(offset: 5, reason: "not little-endian") }
        let machine = try reader.u16(18)
        guard machine == Self.machineBPF else {
            throw .unsupported(offset: 18, reason: "machine \(machine) is not eBPF (\(Self.machineBPF))")
        }
        let sectionHeaderOffset = try reader.size(40)
        let sectionHeaderSize = Int(try reader.u16(58))
        let sectionCount = Int(try reader.u16(60))
        let namesIndex = Int(try reader.u16(62))
        guard sectionCount > 0 else { throw .unsupported(offset: 60, reason: "no section headers") }
        guard sectionHeaderSize == 64 else {
            throw .unsupported(offset: 58, reason: "section header size \(sectionHeaderSize), expected 64")
        }
        try reader.check(sectionHeaderOffset, sectionCount * 64)
        guard namesIndex < sectionCount else {
            throw .invalidSection(index: namesIndex, offset: 62, reason: "section-name table index out of range")
        }

        // Headers first, names after (the name table is itself a section).
        var raw: [(nameOffset: Int, header: Int)] = []
        for index in 0..<sectionCount { raw.append((Int(try reader.u32(sectionHeaderOffset + index * 64)), sectionHeaderOffset + index * 64)) }
        func readSection(_ index: Int, name: String) throws(ELFError) -> Section {
            let header = raw[index].header
            let section = Section(
                index: index, name: name, type: try reader.u32(header + 4), flags: try reader.u64(header + 8),
                offset: try reader.size(header + 24), size: try reader.size(header + 32),
                link: Int(try reader.u32(header + 40)), info: Int(try reader.u32(header + 44)),
                entrySize: try reader.size(header + 56), headerOffset: header)
            if section.hasFileData && index != 0 {
                guard section.offset <= bytes.count, bytes.count - section.offset >= section.size else {
                    throw .invalidSection(
                        index: index, offset: header + 24,
                        reason: "data [\(section.offset), +\(section.size)) lies past the end of the file (\(bytes.count) bytes)")
                }
            }
            return section
        }
        let nameTable = try readSection(namesIndex, name: "")
        guard nameTable.hasFileData else {
            throw .invalidSection(index: namesIndex, offset: nameTable.headerOffset + 4, reason: "section-name table has no data")
        }
        let names = try reader.slice(offset: nameTable.offset, count: nameTable.size)
        var sections: [Section] = []
        for index in 0..<sectionCount {
            let name = index == 0 ? "" : try names.cString(nameTable.offset + raw[index].nameOffset)
            sections.append(try readSection(index, name: name))
        }
        self.sections = sections

        self.symbols = try Self.readSymbols(reader, sections)
        var relocations: [Int: [Relocation]] = [:]
        for section in sections where section.type == Section.typeRelocations {
            guard section.info > 0, section.info < sections.count else {
                throw .invalidSection(index: section.index, offset: section.headerOffset + 44, reason: "relocations for section \(section.info), which does not exist")
            }
            guard section.size % 16 == 0 else {
                throw .invalidSection(index: section.index, offset: section.headerOffset + 32, reason: "size \(section.size) is not a multiple of 16")
            }
            for entry in stride(from: section.offset, to: section.offset + section.size, by: 16) {
                let info = try reader.u64(entry + 8)
                relocations[section.info, default: []].append(Relocation(
                    offset: try reader.u64(entry), type: UInt32(truncatingIfNeeded: info),
                    symbolIndex: Int(info >> 32), entryOffset: entry))
            }
        }
        self.relocations = relocations
    }

    private static func readSymbols(_ reader: ByteReader, _ sections: [Section]) throws(ELFError) -> [Symbol] {
        guard let table = sections.first(where: { $0.type == Section.typeSymbolTable }) else { return [] }
        guard table.size % 24 == 0 else {
            throw .invalidSection(index: table.index, offset: table.headerOffset + 32, reason: "symbol table size \(table.size) is not a multiple of 24")
        }
        guard table.link > 0, table.link < sections.count, sections[table.link].hasFileData else {
            throw .invalidSection(index: table.index, offset: table.headerOffset + 40, reason: "symbol table names string table \(table.link)")
        }
        let strings = try reader.slice(offset: sections[table.link].offset, count: sections[table.link].size)
        var symbols: [Symbol] = []
        for (index, entry) in stride(from: table.offset, to: table.offset + table.size, by: 24).enumerated() {
            let nameOffset = Int(try reader.u32(entry))
            let name = nameOffset == 0 ? "" : try strings.cString(strings.start + nameOffset)
            let info = try reader.u8(entry + 4)
            symbols.append(Symbol(
                index: index, name: name, type: info & 0xf, binding: info >> 4,
                sectionIndex: Int(try reader.u16(entry + 6)), value: try reader.u64(entry + 8),
                size: try reader.u64(entry + 16), entryOffset: entry))
        }
        return symbols
    }

    func section(named name: String) -> Section? {
        sections.first { $0.name == name }
    }

    /// The section's bytes (zeros for `SHT_NOBITS`, at most `limit` bytes of them).
    func data(of section: Section, limit: Int = 1 << 26) throws(ELFError) -> [UInt8] {
        if section.hasFileData { return try reader.bytes(section.offset, count: section.size) }
        guard section.size <= limit else {
            throw .invalidSection(index: section.index, offset: section.headerOffset + 32, reason: "size \(section.size) is too large")
        }
        return [UInt8](repeating: 0, count: section.size)
    }

    /// The symbol a relocation names.
    func symbol(for relocation: Relocation) throws(ELFError) -> Symbol {
        guard relocation.symbolIndex < symbols.count else {
            throw .invalidRelocation(offset: relocation.entryOffset + 8, reason: "symbol index \(relocation.symbolIndex) out of range")
        }
        return symbols[relocation.symbolIndex]
    }
}
