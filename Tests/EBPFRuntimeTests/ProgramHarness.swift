import EBPF
import Testing

extension ExecutionConfiguration: CustomTestStringConvertible {
    public var testDescription: String { "\(engine)\(verify ? "" : " unverified")" }
}

/// Assembles, links, prepares and runs small programs that use maps and helpers.
struct ProgramHarness {
    static let configurations: [ExecutionConfiguration] = Engine.allCases.flatMap { engine in
        [true, false].map { ExecutionConfiguration(engine: engine, verify: $0) }
    }

    let table = MapTable()
    var trace = TraceLog()

    /// Assembles `source`, links it against every map in the table and runs it once over `memory`.
    func run(
        _ source: String, configuration: ExecutionConfiguration, memory: [UInt8] = [], helpers: HelperRegistry = .kernel
    ) throws -> UInt64 {
        let program = try Assembler.assemble(source)
        let linked = try ProgramLinker(helpers: helpers).link(program, maps: table.maps, license: "GPL")
        let runner = try linked.prepare(configuration: configuration)
        var bytes = memory
        return try linked.run(using: runner, bytes: &bytes, trace: trace)
    }
}

extension UInt64 {
    /// The register value of a negative errno.
    static func errno(_ value: Int64) -> UInt64 { UInt64(bitPattern: -value) }
}
