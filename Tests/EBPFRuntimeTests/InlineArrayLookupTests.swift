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

    /// The call slot in ``program(map:)``.
    static let callSlot = 6

    /// Looks up the u32 key at the input's start; a hit adds 1 to the value's first byte and
    /// returns (value pointer - first lookup's pointer) << 8 | the new byte, a miss returns
    /// 0xdead. Key 0 is looked up first (after a call R1–R5 are undefined, so R6 keeps it).
    static func program(map: Int32) throws -> Program {
        try Assembler.assemble("""
            ldxw %r6, [%r1]
            stxw [%r10-4], %r6
            mov %r2, %r10
            add %r2, -4
            lddw %r1, map_fd \(map)
            call 1
            mov %r7, %r0
            jeq %r0, 0, miss
            ldxb %r1, [%r0]
            add %r1, 1
            stxb [%r0], %r1
            mov %r8, %r1
            stw [%r10-4], 0
            mov %r2, %r10
            add %r2, -4
            lddw %r1, map_fd \(map)
            call 1
            sub %r7, %r0
            lsh %r7, 8
            or %r7, %r8
            mov %r0, %r7
            exit
            miss:
            mov %r0, 0xdead
            exit
            """)
    }

    static func keys(_ layout: Layout) -> [UInt32] {
        let n = UInt32(layout.maxEntries)
        return [0, 1, n - 1, n, n + 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, n &* 2]
    }

    @Test(arguments: layouts)
    func inlineLookupMatchesTheHelper(_ layout: Layout) throws {
        var outcomes: [[UInt64]] = []
        // The verified JIT under every rotation of the register map (R0, R2 and the scratch
        // register on every x86 register), then unverified, then the interpreter.
        let rotations = (0..<15).map { ExecutionConfiguration(engine: .jit, jitOptions: JITOptions(registerMap: .rotated(by: $0), useBMI2: false)) }
        for configuration in rotations + [
            ExecutionConfiguration(engine: .jit, verify: false), ExecutionConfiguration(engine: .interpreter),
        ] {
            let table = MapTable()
            let handle = try table.create(MapDefinition(type: .array, keySize: 4, valueSize: layout.valueSize, maxEntries: layout.maxEntries))
            let linked = try ProgramLinker().link(try Self.program(map: handle), maps: table.maps)
            let runner = try linked.prepare(configuration: configuration, memorySize: 8)
            if configuration.engine == .jit {
                let compiled = try #require(runner as? CompiledProgram)
                let code = Array(compiled.machineCode[compiled.instructionOffsets[Self.callSlot]..<compiled.instructionOffsets[Self.callSlot + 1]])
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
