/// The parts of BTF (the BPF Type Format in an object's `.BTF` section) needed to read
/// BTF-defined maps: type kinds, names, sizes, struct members, arrays, pointers, variables and data
/// sections. Parsing is bounds-checked; a malformed section throws ``ELFError/invalidBTF(offset:reason:)``.
struct BTF {
    enum Kind: UInt32 {
        case int = 1, pointer, array, structure, union, enumeration, forward, typedef, volatile, const, restrict
        case function, functionPrototype, variable, dataSection, float, declarationTag, typeTag, enumeration64
    }

    struct Member {
        let name: String
        let type: UInt32
    }

    struct SectionVariable {
        let type: UInt32
        let offset: UInt32
    }

    struct TypeEntry {
        let kind: Kind
        let name: String
        /// `size` for sized kinds, the referenced type for the others.
        let sizeOrType: UInt32
        var members: [Member] = []
        var arrayElement: UInt32 = 0
        var arrayCount: UInt32 = 0
        var variables: [SectionVariable] = []
        /// File offset of the type's record.
        let offset: Int
    }

    /// Types by id; id 0 is `void` and has no entry (index 0 is a placeholder).
    private(set) var types: [TypeEntry?] = [nil]

    init(reader: ByteReader, sectionOffset: Int, sectionSize: Int) throws(ELFError) {
        let btf = try reader.slice(offset: sectionOffset, count: sectionSize)
        guard try btf.u16(sectionOffset) == 0xeb9f else { throw .invalidBTF(offset: sectionOffset, reason: "bad magic") }
        let headerLength = Int(try btf.u32(sectionOffset + 4))
        let typeOffset = Int(try btf.u32(sectionOffset + 8))
        let typeLength = Int(try btf.u32(sectionOffset + 12))
        let stringOffset = Int(try btf.u32(sectionOffset + 16))
        let stringLength = Int(try btf.u32(sectionOffset + 20))
        let typesStart = sectionOffset + headerLength + typeOffset
        let stringsStart = sectionOffset + headerLength + stringOffset
        let types: ByteReader
        let strings: ByteReader
        do {
            types = try btf.slice(offset: typesStart, count: typeLength)
            strings = try btf.slice(offset: stringsStart, count: stringLength)
        } catch {
            throw .invalidBTF(offset: sectionOffset + 4, reason: "type or string area lies outside the section")
        }
        func name(_ nameOffset: UInt32) throws(ELFError) -> String {
            guard nameOffset != 0 else { return "" }
            guard Int(nameOffset) < stringLength else { throw .invalidBTF(offset: stringsStart, reason: "name offset \(nameOffset) out of range") }
            return try strings.cString(stringsStart + Int(nameOffset))
        }
        var position = typesStart
        while position < typesStart + typeLength {
            let info = try types.u32(position + 4)
            let count = Int(info & 0xffff)
            guard let kind = Kind(rawValue: (info >> 24) & 0x1f) else {
                throw .invalidBTF(offset: position + 4, reason: "unknown type kind \((info >> 24) & 0x1f)")
            }
            var entry = TypeEntry(kind: kind, name: try name(types.u32(position)), sizeOrType: try types.u32(position + 8), offset: position)
            var next = position + 12
            switch kind {
            case .int, .variable, .declarationTag:
                next += 4
            case .array:
                entry.arrayElement = try types.u32(next)
                entry.arrayCount = try types.u32(next + 8)
                next += 12
            case .structure, .union:
                for member in 0..<count {
                    let record = next + member * 12
                    entry.members.append(Member(name: try name(types.u32(record)), type: try types.u32(record + 4)))
                }
                next += count * 12
            case .enumeration, .functionPrototype:
                next += count * 8
            case .enumeration64:
                next += count * 12
            case .dataSection:
                for variable in 0..<count {
                    let record = next + variable * 12
                    entry.variables.append(SectionVariable(type: try types.u32(record), offset: try types.u32(record + 4)))
                }
                next += count * 12
            case .pointer, .forward, .typedef, .volatile, .const, .restrict, .function, .float, .typeTag:
                break
            }
            try types.check(position, next - position)
            self.types.append(entry)
            position = next
        }
    }

    func type(_ id: UInt32, at offset: Int) throws(ELFError) -> TypeEntry {
        guard id > 0, Int(id) < types.count, let entry = types[Int(id)] else {
            throw .invalidBTF(offset: offset, reason: "type id \(id) does not exist")
        }
        return entry
    }

    /// Follows typedefs and qualifiers to the underlying type.
    func resolved(_ id: UInt32, at offset: Int) throws(ELFError) -> TypeEntry {
        var entry = try type(id, at: offset)
        for _ in 0..<64 {
            switch entry.kind {
            case .typedef, .volatile, .const, .restrict, .typeTag:
                entry = try type(entry.sizeOrType, at: entry.offset)
            default:
                return entry
            }
        }
        throw .invalidBTF(offset: entry.offset, reason: "type chain too long (a cycle?)")
    }

    /// The size in bytes of type `id`.
    func size(of id: UInt32, at offset: Int, depth: Int = 0) throws(ELFError) -> Int {
        guard depth < 64 else { throw .invalidBTF(offset: offset, reason: "type nesting too deep (a cycle?)") }
        let entry = try resolved(id, at: offset)
        switch entry.kind {
        case .int, .structure, .union, .enumeration, .enumeration64, .float, .dataSection:
            return Int(entry.sizeOrType)
        case .pointer:
            return 8
        case .array:
            let element = try size(of: entry.arrayElement, at: entry.offset, depth: depth + 1)
            let (total, overflow) = element.multipliedReportingOverflow(by: Int(entry.arrayCount))
            guard !overflow, total <= Int(Int32.max) else { throw .invalidBTF(offset: entry.offset, reason: "array too large") }
            return total
        case .variable:
            return try size(of: entry.sizeOrType, at: entry.offset, depth: depth + 1)
        default:
            throw .invalidBTF(offset: entry.offset, reason: "type \(id) (\(entry.kind)) has no size")
        }
    }

    /// The data section named `name`, if any.
    func dataSection(named name: String) -> TypeEntry? {
        for case let entry? in types where entry.kind == .dataSection && entry.name == name { return entry }
        return nil
    }
}
