@testable import EBPFRuntime
import EBPF
import Testing

/// What the loader reads from the committed objects, checked against their C sources.
@Suite struct ELFLoaderTests {
    @Test func packetCounterObject() throws {
        let object = try ELFObject(bytes: try Fixtures.example("packet_counter"))
        #expect(object.license == "GPL")
        #expect(object.programs.map(\.name) == ["count_packets"])
        #expect(object.programs[0].section == "raw")
        let counts = try #require(object.maps.first { $0.name == "counts" })
        #expect(counts.origin == .btfDefinition)
        #expect(counts.definition == MapDefinition(type: .hash, keySize: 4, valueSize: 8, maxEntries: 256))
        // The trace format string is global data referenced with a map-value lddw.
        let rodata = try #require(object.maps.first { $0.origin == .globalData && $0.name.hasPrefix(".rodata") })
        #expect(rodata.definition.flags & MapDefinition.readOnlyForProgramsFlag != 0)
        #expect(String(decoding: rodata.initialValue ?? [], as: UTF8.self).contains("new protocol %u\n"))
        let kinds = object.programs[0].program.instructions.filter { $0.opcode == Opcode.lddw }.map(\.src)
        #expect(kinds.contains(LoadImmediateKind.mapByFD.rawValue))
        #expect(kinds.contains(LoadImmediateKind.mapValueByFD.rawValue))
    }

    @Test func portFilterObject() throws {
        let object = try ELFObject(bytes: try Fixtures.example("port_filter"))
        // port_is_blocked is static in .text: a subprogram, not a program.
        #expect(object.programs.map(\.name) == ["filter_ports"])
        let verdicts = try #require(object.maps.first { $0.name == "verdicts" })
        #expect(verdicts.origin == .legacyDefinition)
        #expect(verdicts.definition == MapDefinition(type: .array, keySize: 4, valueSize: 8, maxEntries: 2))
        let rodata = try #require(object.maps.first { $0.name == ".rodata" })
        #expect(rodata.initialValue == [22, 0, 23, 0, 0xbd, 0x01, 0x3d, 0x0d])  // 22, 23, 445, 3389 little-endian
        let data = try #require(object.maps.first { $0.name == ".data" })
        #expect(data.initialValue == [0xff, 0xff, 0, 0])
        let bss = try #require(object.maps.first { $0.name == ".bss" })
        #expect(bss.initialValue == [UInt8](repeating: 0, count: 8))

        // The local call (R_BPF_64_32 against .text) lands on the appended subprogram.
        let program = object.programs[0].program
        let callIndex = try #require(program.instructions.firstIndex { $0.opcode == Opcode.call && $0.src == CallKind.local.rawValue })
        let target = callIndex + Int(program.instructions[callIndex].immediate) + 1
        let entryLength = try #require(program.instructions.firstIndex { $0.opcode == Opcode.exit }) + 1
        #expect(target == entryLength)
        #expect(program.instructions[target].opcode == Opcode.lddw)  // port_is_blocked starts by loading blocked_ports
    }

    @Test func ringBufferObject() throws {
        let object = try ELFObject(bytes: try Fixtures.example("ringbuf_events"))
        let events = try #require(object.maps.first { $0.name == "events" })
        #expect(events.definition == MapDefinition(type: .ringBuffer, keySize: 0, valueSize: 0, maxEntries: 4096))
        #expect(object.programs.map(\.name) == ["emit_events"])
    }

    @Test func fixtureProgramsAndRelocations() throws {
        let object = try ELFObject(bytes: try Fixtures.fixture("loader_fixture"))
        #expect(object.license == "Dual MIT/GPL")
        // Global .text functions are programs too; several functions share "xdp" and "socket".
        #expect(object.programs.map(\.name) == ["add_three", "dispatch", "handler_one", "handler_two", "remember", "environment", "greet"])
        #expect(object.programs.map(\.section) == [".text", "raw", "raw", "raw", "raw", "raw", "raw"])
        let jumpTable = try #require(object.maps.first { $0.name == "jump_table" })
        #expect(jumpTable.definition == MapDefinition(type: .programArray, keySize: 4, valueSize: 4, maxEntries: 4))
        let recent = try #require(object.maps.first { $0.name == "recent" })
        #expect(recent.definition == MapDefinition(type: .lruHash, keySize: 8, valueSize: 8, maxEntries: 2))

        // Static variables are reached through the .bss section symbol plus an addend.
        let dispatch = try #require(object.program(named: "dispatch")).program
        let bssIndex = try #require(object.maps.firstIndex { $0.name == ".bss" })
        let offsets = dispatch.instructions.indices.filter {
            dispatch.instructions[$0].opcode == Opcode.lddw && dispatch.instructions[$0].src == LoadImmediateKind.mapValueByFD.rawValue
                && dispatch.instructions[$0].immediate == Int32(bssIndex)
        }.map { dispatch.instructions[$0 + 1].immediate }
        #expect(offsets == [0, 8])
        #expect(object.program(named: "raw")?.name == "dispatch")  // by section name: the first one
        #expect(object.program(named: "missing") == nil)
    }

    @Test(arguments: ProgramHarness.configurations)
    func lruProgramRemembersAndDeletes(configuration: ExecutionConfiguration) throws {
        let loaded = try LoadedObject(bytes: try Fixtures.fixture("loader_fixture"))
        let linked = try loaded.link("remember")
        let runner = try linked.prepare(configuration: configuration)
        for length in [3, 5, 7] {
            var memory = [UInt8](repeating: 0, count: length)
            #expect(try linked.run(using: runner, bytes: &memory) == UInt64(length * 10 + 3))
        }
        let recent = try #require(loaded.map(named: "recent"))
        // Two entries at most: 3 was evicted.
        #expect(try recent.entries(as: UInt64.self, UInt64.self).map(\.key).sorted() == [5, 7])
        var empty: [UInt8] = []
        #expect(try linked.run(using: runner, bytes: &empty) == 0)  // inserts key 0, then deletes it
        #expect(try recent.lookup(UInt64(0), as: UInt64.self) == nil)
    }

    @Test(arguments: ProgramHarness.configurations)
    func environmentHelpersFromC(configuration: ExecutionConfiguration) throws {
        let loaded = try LoadedObject(bytes: try Fixtures.fixture("loader_fixture"))
        let linked = try loaded.link("environment")
        let runner = try linked.prepare(configuration: configuration)
        var memory: [UInt8] = [0]
        #expect(try linked.run(using: runner, bytes: &memory) == 3)
    }

    /// String literals (.rodata.str1.1) and custom data sections (.data.custom) are global data.
    @Test(arguments: ProgramHarness.configurations)
    func stringLiteralsAndCustomDataSections(configuration: ExecutionConfiguration) throws {
        let loaded = try LoadedObject(bytes: try Fixtures.fixture("loader_fixture"))
        #expect(loaded.map(named: ".rodata.str1.1") != nil)
        let custom = try #require(loaded.map(named: ".data.custom"))
        #expect(try custom.lookup(UInt32(0), as: UInt32.self) == 41)
        let linked = try loaded.link("greet")
        let runner = try linked.prepare(configuration: configuration)
        let trace = TraceLog()
        var memory: [UInt8] = [0]
        #expect(try linked.run(using: runner, bytes: &memory, trace: trace) == 42)
        #expect(try linked.run(using: runner, bytes: &memory, trace: trace) == 43)
        #expect(trace.lines == ["hello 42 from swift\n", "hello 43 from swift\n"])
    }

    @Test func loadErrorsForMissingPrograms() throws {
        let loaded = try LoadedObject(bytes: try Fixtures.example("port_filter"))
        #expect(throws: ObjectLoadError.noSuchProgram("nope", available: ["filter_ports"])) { try loaded.link("nope") }
        #expect(loaded.mapHandles.count == loaded.maps.count)
        #expect(Set(loaded.mapHandles).count == loaded.maps.count)
    }
}
