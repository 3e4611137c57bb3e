import EBPFCore

/// A relocatable eBPF object as produced by `clang -target bpf -O2 -g -c`: its programs, maps and
/// licence.
///
/// ```swift
/// let object = try ELFObject(bytes: Array(try Data(contentsOf: url)))
/// for program in object.programs { print(program.name, program.section, program.program.count) }
/// ```
///
/// Every read is bounds-checked; a truncated or corrupt file throws ``ELFError`` with the offset of
/// the problem.
public struct ELFObject: Sendable {
    /// Entry programs: every function in an executable section other than `.text`, and the
    /// global functions of `.text`, in section then address order.
    public let programs: [ELFProgram]
    /// Maps the programs may reference, in definition order.
    public let maps: [ELFMap]
    /// The `license` section's string, if present (`"GPL"`, `"Dual MIT/GPL"`, ...).
    public let license: String?

    public init(bytes: [UInt8]) throws(ELFError) {
        let file = try ELFFile(bytes: bytes)
        license = try Self.readLicense(file)
        let maps = try Self.readMaps(file)
        self.maps = maps
        programs = try Self.readPrograms(file, maps: maps)
    }

    /// The program named `name`, or the first whose section is `name`.
    public func program(named name: String) -> ELFProgram? {
        programs.first { $0.name == name } ?? programs.first { $0.section == name }
    }

    private static func readLicense(_ file: ELFFile) throws(ELFError) -> String? {
        guard let section = file.section(named: "license"), section.hasFileData, section.size > 0 else { return nil }
        let data = try file.reader.bytes(section.offset, count: section.size)
        return String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
    }
}
