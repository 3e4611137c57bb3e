import Testing
import EBPF
@testable import EBPFRuntime

/// The map helpers' proven bodies: JIT code compiled with the verifier's facts calls them and a
/// linked run then needs no run context; every engine still computes the same results and
/// leaves the maps the same.
@Suite struct ProvenHelperTests {
    let table = MapTable()

    /// Counts the input's first byte in an array (lookup and in-place add), records the input
    /// length in a hash map under that byte (update with flags from the second byte, then a
    /// delete when the byte is odd), and returns the updates' and delete's results combined.
    func linkedProgram() throws -> (LinkedProgram, array: Int32, hash: Int32) {
        let array = try table.create(MapDefinition(type: .array, keySize: 4, valueSize: 8, maxEntries: 4))
        let hash = try table.create(MapDefinition(type: .hash, keySize: 4, valueSize: 8, maxEntries: 8))
        let program = try Assembler.assemble("""
            mov %r6, %r1
            mov %r7, %r2
            mov %r0, 0
            jlt %r7, 2, out
            ldxb %r8, [%r6]
            and %r8, 7
            stxw [%r10-4], %r8
            lddw %r1, map_fd \(array)
            mov %r2, %r10
            add %r2, -4
            call 1
            jeq %r0, 0, skip
            ldxdw %r1, [%r0]
            add %r1, 1
            stxdw [%r0], %r1
            skip:
            stxdw [%r10-16], %r7
            ldxb %r4, [%r6+1]
            and %r4, 3
            lddw %r1, map_fd \(hash)
            mov %r2, %r10
            add %r2, -4
            mov %r3, %r10
            add %r3, -16
            call 2
            mov %r9, %r0
            and %r8, 1
            jeq %r8, 0, out
            lddw %r1, map_fd \(hash)
            mov %r2, %r10
            add %r2, -4
            call 3
            lsh %r9, 8
            add %r0, %r9
            out:
            exit
            """)
        return (try ProgramLinker().link(program, maps: table.maps), array, hash)
    }

    static let inputs: [[UInt8]] = [[0, 0], [1, 1], [2, 2, 9], [3, 1], [0, 2], [5, 3], [2, 0, 0, 0], [9], [], [4, 1]]

    @Test func everyEngineComputesTheSameAndLeavesTheMapsTheSame() throws {
        var outcomes: [[UInt64]] = []
        var contents: [[[UInt8]]] = []
        for configuration in [
            ExecutionConfiguration(engine: .jit), ExecutionConfiguration(engine: .jit, verify: false),
            ExecutionConfiguration(engine: .interpreter),
        ] {
            let (linked, array, hash) = try linkedProgram()
            let runner = try linked.prepare(configuration: configuration)
            #expect(runner.helperArgumentsProven == (configuration.engine == .jit && configuration.verify))
            var results: [UInt64] = []
            for input in Self.inputs {
                var bytes = input
                results.append(try linked.run(using: runner, bytes: &bytes))
            }
            outcomes.append(results)
            let arrayMap = try table.map(array), hashMap = try table.map(hash)
            contents.append((0..<4).map { try! arrayMap.lookup(key: withUnsafeBytes(of: UInt32($0)) { Array($0) }) }
                + (0..<8).map { (try? hashMap.lookup(key: withUnsafeBytes(of: UInt32($0)) { Array($0) })) ?? [] })
        }
        #expect(outcomes[0] == outcomes[1] && outcomes[1] == outcomes[2], "\(outcomes)")
        #expect(contents[0] == contents[1] && contents[1] == contents[2])
        // The map helpers really ran: some counter moved and some update failed on its flags.
        #expect(contents[0].prefix(4).contains { $0 != [UInt8](repeating: 0, count: 8) })
        #expect(outcomes[0].contains { $0 & 0xff != 0 || $0 >> 8 != 0 })
    }

    /// A run needs the context only for helpers that keep state there or check pointers with no
    /// proven body.
    @Test(arguments: [
        ("call 1", false), ("call 2", false), ("call 3", false), ("call 5", false), ("call 7", false),
        ("call 6", true), ("call 12", true), ("call 130", true), ("call %r1", true),
    ])
    func contextNeededOnlyForContextHelpers(call: String, needed: Bool) throws {
        let program = try Assembler.assemble("\(call)\nexit")
        let linked = try ProgramLinker(helpers: HelperRegistry()).link(program, maps: table.maps)
        #expect(linked.tables.needsRunContextWhenProven == needed)
    }

    @Test func provenBodiesAreTheMapHelpersOnly() {
        let proven = HelperRegistry.kernel.all.filter { $0.provenBody != nil }.map(\.id).sorted()
        #expect(proven == [1, 2, 3])
    }
}
