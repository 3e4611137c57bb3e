import EBPF
import Foundation

/// One of the map-heavy C benchmark programs: an ELF object (`programs/map_*.o`) whose program
/// is linked against its own maps, and its input (`programs/NAME.mem`).
struct LinkedBenchmarkProgram: @unchecked Sendable {
    let name: String
    /// Keeps the maps alive (the linked program retains the ones it references, too).
    let object: LoadedObject
    let linked: LinkedProgram
    let memory: [UInt8]

    /// Every `map_*.o` in `Benchmarks/programs` that loads and links, by name.
    static func all() -> [LinkedBenchmarkProgram] {
        let directory = BenchmarkProgram.directory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasPrefix("map_") && $0.hasSuffix(".o") }.sorted().compactMap { file in
            let name = String(file.dropLast(2))
            guard let bytes = FileManager.default.contents(atPath: directory.appendingPathComponent(file).path),
                  let object = try? LoadedObject(bytes: Array(bytes)),
                  let linked = try? object.link(name)
            else { return nil }
            let memory = FileManager.default.contents(atPath: directory.appendingPathComponent(name + ".mem").path)
            return LinkedBenchmarkProgram(name: name, object: object, linked: linked, memory: memory.map(Array.init) ?? [])
        }
    }

    /// The verifier's result with the program's maps, or `nil` when it rejects the program (then
    /// the engines run it with every run-time check).
    func verification() -> VerificationResult? {
        (try? linked.verify(memorySize: memory.count)) ?? nil
    }

    /// The JIT's code for the program: the kernel helpers, map storage as extra regions.
    func compile(facts: VerifiedFacts?) throws -> CompiledProgram {
        try JIT.compile(
            linked.program, helpers: linked.helpers, facts: facts.map(linked.extend), extraRegions: linked.regions)
    }

    /// The interpreter over the program, with the same helpers and regions.
    func interpreter() -> Interpreter {
        Interpreter(program: linked.program, helpers: linked.helpers, extraRegions: linked.regions)
    }
}
