@testable import EBPFRuntime
import Testing

/// Malformed objects: each specific corruption gives its typed error at the right offset.
@Suite struct ELFErrorTests {
    /// A little-endian field write into a copy of the object.
    static func patched(_ bytes: [UInt8], at offset: Int, value: UInt64, size: Int) -> [UInt8] {
        var copy = bytes
        for index in 0..<size { copy[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
        return copy
    }

    static func errorOf(_ bytes: [UInt8]) -> ELFError? {
        do {
            _ = try ELFObject(bytes: bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func headerProblems() throws {
        let bytes = try Fixtures.example("packet_counter")
        #expect(Self.errorOf([]) == .truncated(offset: 0, count: 4))
        #expect(Self.errorOf(Array("not an object file".utf8)) == .notELF)
        #expect(Self.errorOf(Self.patched(bytes, at: 4, value: 1, size: 1)) == .unsupported(offset: 4, reason: "not a 64-bit object"))
        #expect(Self.errorOf(Self.patched(bytes, at: 5, value: 2, size: 1)) == .unsupported(offset: 5, reason: "not little-endian"))
        #expect(Self.errorOf(Self.patched(bytes, at: 18, value: 62, size: 2))?.offset == 18)
        #expect(Self.errorOf(Self.patched(bytes, at: 58, value: 40, size: 2))?.offset == 58)
        // Section headers past the end of the file.
        let moved = Self.patched(bytes, at: 40, value: UInt64(bytes.count - 10), size: 8)
        guard case .truncated = Self.errorOf(moved) else { Issue.record("expected truncated"); return }
    }

    @Test func sectionDataPastTheEnd() throws {
        let bytes = try Fixtures.example("packet_counter")
        let file = try ELFFile(bytes: bytes)
        let section = try #require(file.section(named: "raw"))
        let error = Self.errorOf(Self.patched(bytes, at: section.headerOffset + 32, value: 1 << 20, size: 8))
        #expect(error == .invalidSection(
            index: section.index, offset: section.headerOffset + 24,
            reason: "data [\(section.offset), +\(1 << 20)) lies past the end of the file (\(bytes.count) bytes)"))
    }

    @Test func unresolvedSymbol() throws {
        let bytes = try Fixtures.example("packet_counter")
        let file = try ELFFile(bytes: bytes)
        let symbol = try #require(file.symbols.first { $0.name == "counts" })
        let xdp = try #require(file.section(named: "raw"))
        let relocation = try #require(file.relocations[xdp.index]?.first { $0.symbolIndex == symbol.index })
        let error = Self.errorOf(Self.patched(bytes, at: symbol.entryOffset + 6, value: 0, size: 2))
        #expect(error == .unresolvedSymbol(name: "counts", offset: relocation.entryOffset))
    }

    @Test func badRelocations() throws {
        let bytes = try Fixtures.example("packet_counter")
        let file = try ELFFile(bytes: bytes)
        let xdp = try #require(file.section(named: "raw"))
        let relocation = try #require(file.relocations[xdp.index]?.first)
        let wrongType = Self.patched(bytes, at: relocation.entryOffset + 8, value: 7, size: 4)
        #expect(Self.errorOf(wrongType) == .invalidRelocation(
            offset: relocation.entryOffset + 8, reason: "relocation type 7 is not supported in code"))
        // Point the lddw relocation at the first instruction (not an lddw).
        let wrongPlace = Self.patched(bytes, at: relocation.entryOffset, value: 0, size: 8)
        #expect(Self.errorOf(wrongPlace) == .invalidRelocation(
            offset: relocation.entryOffset, reason: "R_BPF_64_64 does not apply to an lddw"))
        let misaligned = Self.patched(bytes, at: relocation.entryOffset, value: relocation.offset + 3, size: 8)
        #expect(Self.errorOf(misaligned) == .invalidRelocation(
            offset: relocation.entryOffset, reason: "offset \(relocation.offset + 3) is not at an instruction"))
        let badSymbol = Self.patched(bytes, at: relocation.entryOffset + 12, value: 100_000, size: 4)
        #expect(Self.errorOf(badSymbol) == .invalidRelocation(offset: relocation.entryOffset + 8, reason: "symbol index 100000 out of range"))
    }

    @Test func badInstructionNamesItsFileOffset() throws {
        let bytes = try Fixtures.example("packet_counter")
        let file = try ELFFile(bytes: bytes)
        let xdp = try #require(file.section(named: "raw"))
        let error = Self.errorOf(Self.patched(bytes, at: xdp.offset + 8, value: 0xff, size: 1))
        guard case .invalidProgram(let name, let offset, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(name == "count_packets")
        #expect(offset == xdp.offset + 8)
    }

    @Test func badMapDefinitions() throws {
        let legacy = try Fixtures.example("port_filter")
        let file = try ELFFile(bytes: legacy)
        let maps = try #require(file.section(named: "maps"))
        // An array of maps (12) is not supported.
        let error = Self.errorOf(Self.patched(legacy, at: maps.offset, value: 12, size: 4))
        #expect(error == .invalidMapDefinition(name: "verdicts", offset: maps.offset, reason: "map type 12 is not supported"))
        let zeroEntries = Self.errorOf(Self.patched(legacy, at: maps.offset + 12, value: 0, size: 4))
        #expect(zeroEntries?.offset == maps.offset)

        let btfObject = try Fixtures.example("ringbuf_events")
        let btfFile = try ELFFile(bytes: btfObject)
        let btf = try #require(btfFile.section(named: ".BTF"))
        #expect(Self.errorOf(Self.patched(btfObject, at: btf.offset, value: 0, size: 2)) == .invalidBTF(offset: btf.offset, reason: "bad magic"))
        let hugeTypes = Self.patched(btfObject, at: btf.offset + 12, value: 0xffff_0000, size: 4)
        #expect(Self.errorOf(hugeTypes) == .invalidBTF(offset: btf.offset + 4, reason: "type or string area lies outside the section"))
    }

    @Test func errorsDescribeTheirOffset() {
        #expect(ELFError.truncated(offset: 0x40, count: 8).description == "file truncated: 8 bytes needed at offset 0x40")
        #expect(ELFError.notELF.offset == 0)
    }
}
