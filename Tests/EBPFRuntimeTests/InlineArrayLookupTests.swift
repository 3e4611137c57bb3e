import Testing
import EBPF
@testable import EBPFRuntime

/// `bpf_map_lookup_elem` on an array map, computed in line by JIT code compiled with verified
/// facts (``HelperFunction/inlineArrayLookup``): the call slot's code makes no call, and every
/// engine returns the same for keys inside, at and past the end, over strides the code scales
/// with `lea` and with `imul`.
@Suite struct InlineArrayLookupTests {
    struct Layout: Sendable, CustomTestStringConvertible {
        let valueSize: Int
        let maxEntries: Int
        var testDescription: String { "value \(valueSize) B, \(maxEntries) entries" }
    }

    static let layouts: [Layout] = [
        Layout(valueSize: 8, maxEntries: 4), Layout(valueSize: 1, maxEntries: 1), Layout(valueSize: 24, maxEntries: 5),
        Layout(valueSize: 12, maxEntries: 300), Layout(valueSize: 64, maxEntries: 2),
    ]

    /// Key 0 is looked up second.
    static func program(map: Int32) throws -> Program { try TwoLookupProgram.program(map: map, secondKey: 0) }

    static func keys(_ layout: Layout) -> [UInt32] {
        let n = UInt32(layout.maxEntries)
        return [0, 1, n - 1, n, n + 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, n &* 2]
    }

    @Test(arguments: layouts)
    func inlineLookupMatchesTheHelper(_ layout: Layout) throws {
        var outcomes: [[UInt64]] = []
        for configuration in TwoLookupProgram.configurations {
            let table = MapTable()
            let handle = try table.create(MapDefinition(type: .array, keySize: 4, valueSize: layout.valueSize, maxEntries: layout.maxEntries))
            let linked = try ProgramLinker().link(try Self.program(map: handle), maps: table.maps)
            let runner = try linked.prepare(configuration: configuration, memorySize: 8)
            if configuration.engine == .jit {
                let compiled = try #require(runner as? CompiledProgram)
                let code = TwoLookupProgram.callSlotCode(compiled)
                let callsRAX = zip(code, code.dropFirst()).contains { $0 == 0xff && $1 == 0xd0 }
                // Verified: the map is known at the call, so no call; unverified: the helper.
                #expect(callsRAX == !configuration.verify)
            }
            var results: [UInt64] = []
            for key in Self.keys(layout) {
                var bytes = withUnsafeBytes(of: key.littleEndian) { Array($0) } + [0, 0, 0, 0]
                results.append(try linked.run(using: runner, bytes: &bytes))
            }
            outcomes.append(results)
        }
        for outcome in outcomes.dropFirst() { #expect(outcome == outcomes[0], "\(outcomes)") }
        // Hits and misses both happened.
        #expect(outcomes[0].contains(0xdead) && outcomes[0].contains { $0 != 0xdead })
    }

    @Test func onlyTheLookupResolvesArrays() {
        let resolving = HelperRegistry.kernel.all.filter { $0.inlineArrayLookup != nil }.map(\.id)
        #expect(resolving == [1])
    }

    @Test func theResolverAnswersOnlyForLiveArrayMaps() throws {
        let table = MapTable()
        let array = try table.map(try table.create(MapDefinition(type: .array, keySize: 4, valueSize: 12, maxEntries: 3)))
        let hash = try table.map(try table.create(MapDefinition(type: .hash, keySize: 4, valueSize: 8, maxEntries: 3)))
        let resolve = try #require(HelperRegistry.kernel[1]?.inlineArrayLookup)
        let layout = try #require(resolve(array.programAddress))
        #expect(layout.stride == 16 && layout.maxEntries == 3)
        #expect(layout.base == (array as! ArrayMap).regions[0].start)
        #expect(resolve(hash.programAddress) == nil)
        #expect(resolve(0x1234_5678) == nil)
    }
}
