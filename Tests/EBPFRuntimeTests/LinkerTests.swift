import EBPF
import Testing

@Suite struct LinkerTests {
    let table = MapTable()

    @Test func mapReferencesBecomeAddressesSlotForSlot() throws {
        let hash = try table.create(MapDefinition(type: .hash, keySize: 4, valueSize: 8, maxEntries: 2))
        let array = try table.create(MapDefinition(type: .array, keySize: 4, valueSize: 32, maxEntries: 1))
        let program = try Assembler.assemble("""
            lddw %r1, map_fd \(hash)
            lddw %r2, map_value_fd \(array)+24
            lddw %r3, 0x1122334455667788
            mov %r0, 0
            exit
            """)
        let linked = try ProgramLinker().link(program, maps: table.maps, name: "p")
        #expect(linked.verifierProgram == program)
        #expect(linked.program.count == program.count)
        #expect(linked.program.wideImmediate(at: 0) == (try table.map(hash)).programAddress)
        let arrayStorage = try table.map(array).regions[0].start
        #expect(linked.program.wideImmediate(at: 2) == arrayStorage + 24)
        #expect(linked.program.wideImmediate(at: 4) == 0x1122334455667788)
        for index in [0, 2, 4] { #expect(linked.program.instructions[index].src == 0) }
        // Only referenced maps' storage becomes regions; their definitions go to the verifier.
        #expect(Set(linked.regions) == Set(try table.map(hash).regions + table.map(array).regions))
        #expect(linked.mapDefinitions[hash]?.type == .hash)
        #expect(linked.mapDefinitions[array]?.valueSize == 32)
    }

    @Test func linkErrorsNameTheInstruction() throws {
        let hash = try table.create(MapDefinition(type: .hash, keySize: 4, valueSize: 8, maxEntries: 2))
        let array = try table.create(MapDefinition(type: .array, keySize: 4, valueSize: 8, maxEntries: 1))
        let cases: [(String, LinkError)] = [
            ("mov %r0, 0\nlddw %r1, map_fd 99", .unknownMap(index: 1, handle: 99)),
            ("lddw %r1, map_value_fd \(hash)+0", .invalidMapValueReference(index: 0, handle: hash, offset: 0, reason: "not an array map")),
            ("lddw %r1, map_value_fd \(array)+8", .invalidMapValueReference(
                index: 0, handle: array, offset: 8, reason: "offset is past the 8-byte value")),
            ("lddw %r1, variable_address 3", .unsupportedLoadKind(index: 0, kind: 3)),
            ("lddw %r1, map_index 0", .unsupportedLoadKind(index: 0, kind: 5)),
        ]
        for (source, expected) in cases {
            let program = try Assembler.assemble(source + "\nexit")
            #expect(throws: expected) { try ProgramLinker().link(program, maps: table.maps) }
            #expect(expected.index == (source.hasPrefix("mov") ? 1 : 0))
        }
    }

    /// Without the map regions, an unverified run cannot touch map values; with them it can.
    @Test func mapValuesNeedTheRegionsAtRunTime() throws {
        let array = try table.create(MapDefinition(type: .array, keySize: 4, valueSize: 8, maxEntries: 1))
        let program = try Assembler.assemble("""
            lddw %r1, map_value_fd \(array)+0
            stdw [%r1], 99
            ldxdw %r0, [%r1]
            exit
            """)
        let linked = try ProgramLinker().link(program, maps: table.maps)
        let bare = Interpreter(program: linked.program, helpers: linked.helpers)
        #expect(throws: ExecutionTrap.self) { try linked.run(using: bare, memory: UnsafeMutableRawBufferPointer(start: nil, count: 0)) }
        let bareJIT = try JIT.compile(linked.program, helpers: linked.helpers)
        #expect(throws: ExecutionTrap.self) { try linked.run(using: bareJIT, memory: UnsafeMutableRawBufferPointer(start: nil, count: 0)) }
        for configuration in Engine.allCases.map({ ExecutionConfiguration(engine: $0, verify: false) }) {
            let runner = try linked.prepare(configuration: configuration)
            #expect(try linked.run(using: runner, memory: UnsafeMutableRawBufferPointer(start: nil, count: 0)) == 99)
        }
        // One element past the value traps even with the regions.
        let past = try ProgramLinker().link(try Assembler.assemble("""
            lddw %r1, map_value_fd \(array)+0
            ldxdw %r0, [%r1+8]
            exit
            """), maps: table.maps)
        for engine in Engine.allCases {
            let runner = try past.prepare(configuration: ExecutionConfiguration(engine: engine, verify: false))
            #expect(throws: ExecutionTrap.self) { try past.run(using: runner, memory: UnsafeMutableRawBufferPointer(start: nil, count: 0)) }
        }
    }

    /// Tail-call trampolines are appended after the program; the facts are padded to match.
    @Test func tailCallsAppendATrampoline() throws {
        let programs = try table.create(MapDefinition(type: .programArray, keySize: 4, valueSize: 4, maxEntries: 1))
        let program = try Assembler.assemble("""
            lddw %r2, map_fd \(programs)
            mov %r3, 0
            call 12
            mov %r0, 1
            exit
            """)
        let linked = try ProgramLinker().link(program, maps: table.maps)
        #expect(linked.program.count == program.count + 5)
        #expect(linked.program.instructions[3].opcode == Opcode.ja)
        #expect(linked.program.instructions[program.count].immediate == 12)
        let facts = VerifiedFacts(
            accessIsSafe: Array(repeating: true, count: program.count), divisorIsNonZero: Array(repeating: false, count: program.count),
            stackDepth: 0, maxCallDepth: 1, terminates: true)
        let extended = linked.extend(facts)
        #expect(extended.accessIsSafe.count == linked.program.count)
        #expect(extended.accessIsSafe[program.count...].allSatisfy { !$0 })
        // An empty program array: the call fails and the program goes on.
        for engine in Engine.allCases {
            let runner = try linked.prepare(configuration: ExecutionConfiguration(engine: engine))
            #expect(try linked.run(using: runner, memory: UnsafeMutableRawBufferPointer(start: nil, count: 0)) == 1)
        }
        // Without helper 12 in the registry, nothing is appended.
        let plain = try ProgramLinker(helpers: HelperRegistry()).link(program, maps: table.maps)
        #expect(plain.program.count == program.count)
    }

    /// A typed context: R1 points at the struct, R2 is its size.
    @Test(arguments: Engine.allCases)
    func runsWithATypedContext(engine: Engine) throws {
        struct Context { var a: UInt32; var b: UInt32; var sum: UInt64 }
        let program = try Assembler.assemble("""
            ldxw %r3, [%r1]
            ldxw %r4, [%r1+4]
            add %r3, %r4
            stxdw [%r1+8], %r3
            mov %r0, %r2
            exit
            """)
        let linked = try ProgramLinker().link(program, maps: [:])
        let runner = try linked.prepare(configuration: ExecutionConfiguration(engine: engine), memorySize: 16)
        var context = Context(a: 40, b: 2, sum: 0)
        #expect(try linked.run(using: runner, context: &context) == 16)
        #expect(context.sum == 42)
    }
}
