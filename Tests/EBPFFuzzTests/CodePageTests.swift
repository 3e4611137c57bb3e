import EBPFCore
import EBPFFuzz
import EBPFJIT
import EBPFTestSupport
import Foundation
import Testing

/// W^X over many compilations: after compiling generated programs under every fuzzer
/// configuration (blinded ones included), no mapping of the process is writable and executable,
/// each program's pages are `r-xp`, and the tail of the last page is `int3`.
@Suite struct CodePageTests {
    static func mappings() throws -> [(range: Range<UInt>, permissions: String)] {
        let handle = try #require(FileHandle(forReadingAtPath: "/proc/self/maps"))
        defer { try? handle.close() }
        let text = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            let bounds = fields[0].split(separator: "-").compactMap { UInt($0, radix: 16) }
            guard fields.count > 1, bounds.count == 2 else { return nil }
            return (bounds[0]..<bounds[1], String(fields[1]))
        }
    }

    /// The guard pages AdversarialInputTests relies on really are inaccessible.
    @Test func guardPagesAreInaccessible() throws {
        let region = GuardedRegion()
        let mappings = try Self.mappings()
        func permissions(_ address: UnsafeRawPointer) -> String? {
            mappings.first { $0.range.contains(UInt(bitPattern: address)) }?.permissions
        }
        #expect(permissions(region.base) == "---p")
        #expect(permissions(region.usable.baseAddress!) == "rw-p")
        #expect(permissions(region.usable.baseAddress! + region.usable.count) == "---p")
    }

    @Test func noMappingIsWritableAndExecutable() throws {
        var compiled: [CompiledProgram] = []
        for (index, options) in FuzzEngines.jitOptions.enumerated() {
            for seed in UInt64(0)..<5 {
                let program = RandomProgramGenerator(options: .unsafe).generate(seed: UInt64(index) * 100 + seed).program
                compiled.append(try JIT.compile(program, helpers: TestHelpers.registry, options: options))
            }
        }
        let mappings = try Self.mappings()
        let writableExecutable = mappings.filter { $0.permissions.hasPrefix("rw") && $0.permissions.dropFirst(2).hasPrefix("x") }
        #expect(writableExecutable.isEmpty, "\(writableExecutable)")
        for program in compiled {
            let address = UInt(bitPattern: program.codeAddress)
            let mapping = mappings.first { $0.range.contains(address) }
            #expect(mapping?.permissions == "r-xp", "code at 0x\(String(address, radix: 16)): \(String(describing: mapping))")
            let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
            let tail = (pageSize - program.codeSize % pageSize) % pageSize
            let filler = UnsafeRawBufferPointer(start: program.codeAddress + program.codeSize, count: tail)
            #expect(filler.allSatisfy { $0 == 0xcc })
        }
    }
}
