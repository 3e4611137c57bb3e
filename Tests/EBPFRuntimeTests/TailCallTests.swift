import EBPF
import Testing

/// `bpf_tail_call` through a program array, from the loader fixture (C) and from assembly.
@Suite struct TailCallTests {
    static let configurations: [ExecutionConfiguration] = Engine.allCases.flatMap { engine in
        [true, false].map { ExecutionConfiguration(engine: engine, verify: $0) }
    }

    /// dispatch jumps to jump_table[first byte]; slot 0 holds handler_one (1003 + 0x1234 from
    /// .data), slot 1 handler_two (2000); empty or out-of-range slots fall through to
    /// add_three(100) = 103.
    @Test(arguments: configurations)
    func dispatchThroughProgramArray(configuration: ExecutionConfiguration) throws {
        let loaded = try LoadedObject(bytes: try Fixtures.fixture("loader_fixture"))
        let dispatch = try loaded.link("dispatch")
        let one = try loaded.link("handler_one")
        let two = try loaded.link("handler_two")
        let table = try #require(loaded.map(named: "jump_table") as? ProgramArrayMap)
        try table.set(0, to: try one.tailCallTarget(configuration: configuration))
        // Through the bpf()-like façade: register the program, store its handle.
        let handle = loaded.table.register(try two.tailCallTarget(configuration: configuration))
        let tableHandle = try #require(loaded.table.handle(named: "jump_table"))
        try loaded.table.update(tableHandle, key: [1, 0, 0, 0], value: withUnsafeBytes(of: handle) { Array($0) })
        #expect(try loaded.table.lookup(tableHandle, key: [1, 0, 0, 0]) == withUnsafeBytes(of: handle) { Array($0) })

        let runner = try dispatch.prepare(configuration: configuration)
        for (first, expected) in [(0, 1003 + 0x1234), (1, 2000), (2, 103), (200, 103)] as [(UInt8, UInt64)] {
            var packet: [UInt8] = [first, 0, 0, 0]
            #expect(try dispatch.run(using: runner, bytes: &packet) == expected, "first byte \(first)")
        }
        var empty: [UInt8] = []
        #expect(try dispatch.run(using: runner, bytes: &empty) == 103)

        // dispatch counts its runs in two static .bss variables (offsets 0 and 8).
        let bss = try #require(loaded.map(named: ".bss"))
        let value = try bss.lookup(key: [0, 0, 0, 0])
        #expect(value.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } == 5)
        #expect(value.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self) } == 10)

        // Emptying a slot makes the call fall through again.
        try table.set(0, to: nil)
        var packet: [UInt8] = [0]
        #expect(try dispatch.run(using: runner, bytes: &packet) == 103)
    }

    /// A program that tail-calls itself stops after 33 tail calls, as in the kernel: each run
    /// increments a counter, so the counter ends at 34.
    @Test(arguments: configurations)
    func chainStopsAfter33TailCalls(configuration: ExecutionConfiguration) throws {
        let table = MapTable()
        let programs = try table.create(MapDefinition(type: .programArray, keySize: 4, valueSize: 4, maxEntries: 1))
        let counter = try table.create(MapDefinition(type: .array, keySize: 4, valueSize: 8, maxEntries: 1))
        let source = """
            mov %r6, %r1
            stw [%r10-4], 0
            lddw %r1, map_fd \(counter)
            mov %r2, %r10
            add %r2, -4
            call 1
            jeq %r0, 0, skip
            mov %r1, 1
            lock add [%r0], %r1
            skip:
            mov %r1, %r6
            lddw %r2, map_fd \(programs)
            mov %r3, 0
            call 12
            mov %r0, 7
            exit
            """
        let program = try Assembler.assemble(source)
        let linked = try ProgramLinker().link(program, maps: table.maps)
        let target = try linked.tailCallTarget(configuration: configuration)
        try (table.map(programs) as! ProgramArrayMap).set(0, to: target)
        var memory: [UInt8] = [0]
        #expect(try linked.run(using: target.runner, bytes: &memory) == 7)
        #expect(try table.map(counter).lookup(UInt32(0), as: UInt64.self) == 34)
    }

    /// A tail call inside a local function cannot be linked.
    @Test func tailCallInSubprogramIsRejected() throws {
        let program = Program(unchecked: [
            Instruction(opcode: Opcode.call, src: CallKind.local.rawValue, immediate: 1),
            Instruction(opcode: Opcode.exit),
            Instruction(opcode: Opcode.call, immediate: 12),
            Instruction(opcode: Opcode.exit),
        ])
        #expect(throws: LinkError.tailCallInSubprogram(index: 2)) { try ProgramLinker().link(program, maps: [:]) }
    }
}
