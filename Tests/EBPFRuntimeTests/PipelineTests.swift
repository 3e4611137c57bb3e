import EBPF
import Testing

/// Plain and linked programs go through one pipeline (``PipelineInput``): the same program,
/// prepared plain with ``ExecutionPipeline/prepare(_:memorySize:configuration:)`` or linked with
/// ``LinkedProgram/prepare(configuration:memorySize:)``, verifies the same way and gives the
/// same result in both engines.
@Suite struct PipelineTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let source: String
        let memory: [UInt8]
        let expected: UInt64
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "sum of 1...10 in a loop", source: """
            mov %r0, 0
            mov %r1, 10
            loop:
            add %r0, %r1
            sub %r1, 1
            jne %r1, 0, loop
            exit
            """, memory: [], expected: 55),
        Case(name: "bytes of the input", source: """
            ldxb %r0, [%r1+2]
            ldxh %r2, [%r1]
            add %r0, %r2
            exit
            """, memory: [0x01, 0x02, 0x30, 0x40], expected: 0x30 + 0x0201),
        Case(name: "through the stack and a local call", source: """
            stdw [%r10-8], 40
            ldxdw %r1, [%r10-8]
            call local double
            exit
            double:
            mov %r0, %r1
            lsh %r0, 1
            add %r0, 2
            exit
            """, memory: [], expected: 82),
    ]

    static let configurations = ProgramHarness.configurations

    static func argumentPairs() -> [(Case, ExecutionConfiguration)] {
        cases.flatMap { item in configurations.map { (item, $0) } }
    }

    @Test(arguments: argumentPairs())
    func plainAndLinkedAgree(_ item: Case, configuration: ExecutionConfiguration) throws {
        let program = try Assembler.assemble(item.source)
        var plainMemory = item.memory
        let plain = try ExecutionPipeline.prepare(program, memorySize: item.memory.count, configuration: configuration)
        #expect(try plain.run(&plainMemory) == item.expected)

        let linked = try ProgramLinker().link(program, maps: [:], license: "GPL")
        var linkedMemory = item.memory
        let runner = try linked.prepare(configuration: configuration, memorySize: item.memory.count)
        #expect(try linked.run(using: runner, bytes: &linkedMemory) == item.expected)

        // The same input given to the pipeline directly.
        let direct = try ExecutionPipeline.prepare(PipelineInput(linked), memorySize: item.memory.count, configuration: configuration)
        var directMemory = item.memory
        #expect(try linked.run(using: direct, bytes: &directMemory) == item.expected)
    }

    @Test(arguments: cases)
    func plainAndLinkedVerifyAlike(_ item: Case) throws {
        let program = try Assembler.assemble(item.source)
        let linked = try ProgramLinker().link(program, maps: [:], license: "GPL")
        let configuration = ExecutionConfiguration(verifierOptions: VerifierOptions(license: "GPL"), helpers: .kernel)
        let plain = try #require(try ExecutionPipeline.verify(program, memorySize: item.memory.count, configuration: configuration))
        let viaLinked = try #require(try linked.verify(configuration: configuration, memorySize: item.memory.count))
        #expect(plain.facts == viaLinked.facts)
        #expect(plain.facts.padded(toSlotCount: linked.program.count) == linked.extend(viaLinked.facts))
    }

    /// The linker appends slots after a program that tail-calls; the verifier's facts (proven on
    /// the shorter program) are padded for the engine on the one path, whether the facts come
    /// from `prepare` or are handed to `makeRunner` as the verifier returned them.
    @Test(arguments: configurations)
    func tailCallSlotsGetPaddedFacts(configuration: ExecutionConfiguration) throws {
        let table = MapTable()
        let programs = try table.create(MapDefinition(type: .programArray, keySize: 4, valueSize: 4, maxEntries: 1))
        let program = try Assembler.assemble("""
            lddw %r2, map_fd \(programs)
            mov %r3, 0
            call 12
            mov %r0, 5
            exit
            """)
        let linked = try ProgramLinker().link(program, maps: table.maps, license: "GPL")
        #expect(linked.program.count > linked.verifierProgram.count)
        var memory: [UInt8] = []
        // The slot is empty: the tail call fails and the program goes on.
        #expect(try linked.run(using: try linked.prepare(configuration: configuration), bytes: &memory) == 5)
        let input = PipelineInput(linked)
        let facts = try ExecutionPipeline.verify(input, memorySize: nil, configuration: configuration)?.facts
        #expect(facts.map { $0.accessIsSafe.count == linked.verifierProgram.count } ?? true)
        let runner = try ExecutionPipeline.makeRunner(input, facts: facts, configuration: configuration)
        #expect(try linked.run(using: runner, bytes: &memory) == 5)
    }

    /// A rejected program is rejected with the same message on either path, and not at all with
    /// verification off (the run-time check then traps in both engines).
    @Test(arguments: Engine.allCases)
    func rejectionIsTheSameOnBothPaths(engine: Engine) throws {
        let program = try Assembler.assemble("ldxdw %r0, [%r1+8]\nexit")
        let linked = try ProgramLinker().link(program, maps: [:])
        let configuration = ExecutionConfiguration(engine: engine)
        let plainError = #expect(throws: PipelineError.self) {
            _ = try ExecutionPipeline.prepare(program, memorySize: 4, configuration: configuration)
        }
        let linkedError = #expect(throws: PipelineError.self) {
            _ = try linked.prepare(configuration: configuration, memorySize: 4)
        }
        #expect(plainError.map { "\($0)" } == linkedError.map { "\($0)" })
        #expect(plainError.map { "\($0)" }?.hasPrefix("verifier rejected the program: ") == true)

        let unverified = ExecutionConfiguration(engine: engine, verify: false)
        var plainMemory: [UInt8] = [1, 2, 3, 4]
        let plainTrap = #expect(throws: ExecutionTrap.self) {
            _ = try ExecutionPipeline.prepare(program, memorySize: 4, configuration: unverified).run(&plainMemory)
        }
        var linkedMemory: [UInt8] = [1, 2, 3, 4]
        let linkedTrap = #expect(throws: ExecutionTrap.self) {
            let runner = try linked.prepare(configuration: unverified, memorySize: 4)
            _ = try linked.run(using: runner, bytes: &linkedMemory)
        }
        #expect(plainTrap?.pc == 0)
        #expect(linkedTrap?.pc == 0)
    }

    /// A linked program's maps and licence reach the verifier through the input; a licence the
    /// configuration names wins.
    @Test func linkedVerifierOptionsCarryMapsAndLicence() throws {
        let table = MapTable()
        let definition = MapDefinition(type: .array, keySize: 4, valueSize: 8, maxEntries: 2)
        let handle = try table.create(definition)
        let program = try Assembler.assemble("lddw %r1, map_fd \(handle)\nmov %r0, 0\nexit")
        let linked = try ProgramLinker().link(program, maps: table.maps, license: "GPL")
        let options = linked.verifierOptions()
        #expect(options.license == "GPL")
        #expect(options.maps[handle] == definition.verifierDescriptor)
        #expect(linked.verifierOptions(VerifierOptions(license: "MIT")).license == "MIT")
        #expect(PipelineInput(linked).extraRegions == linked.regions)
        #expect(!linked.regions.isEmpty)

        let plain = PipelineInput(program)
        #expect(plain.helpers == nil && plain.maps == nil && plain.license == nil && plain.extraRegions.isEmpty)
    }
}
