import EBPF
import EBPFKernel
import EBPFTestSupport
import Foundation
import Testing

/// Every program of the XDP corpus on 1,000 generated frames: the interpreter and the JIT (both
/// after the verifier) and the interpreter without the verifier (every access checked at run
/// time) give the same verdict, output packet and map contents, and where bpf() is allowed so
/// does the kernel's `BPF_PROG_TEST_RUN`, bit for bit. Each engine gets its own copy of the
/// object's maps, and the kernel its own maps.
@Suite struct XDPCorpusTests {
    static let packets = XDPCorpus.packets(count: 1_000)

    @Test(arguments: XDPCorpus.names)
    func enginesAndKernelAgree(name: String) throws {
        let configurations = [
            ExecutionConfiguration(engine: .interpreter), ExecutionConfiguration(engine: .jit),
            ExecutionConfiguration(engine: .interpreter, verify: false),
        ]
        var engines: [(object: LoadedObject, program: LinkedProgram, runner: any ProgramRunner)] = []
        for configuration in configurations {
            let object = try XDPCorpus.object(name)
            let program = try object.link(name)
            #expect(program.type == .xdp)
            engines.append((object, program, try program.prepare(configuration: configuration)))
        }
        var kernel: (program: KernelProgram, maps: [KernelMap])?
        switch XDPCorpus.kernelProgram(engines[0].object, name, type: .xdp) {
        case .success(let loaded):
            kernel = loaded
            #expect(XDPCorpus.kernelRefusals[name] == nil, "the kernel now accepts \(name)")
        case .failure(let skip) where skip.refused:
            if let reason = XDPCorpus.kernelRefusals[name] {
                #expect(skip.description.contains(reason), "\(skip)")
            } else {
                Issue.record("the kernel refused \(name): \(skip)")
            }
        case .failure(let skip):
            print("\(name): kernel comparison skipped: \(skip)")
        }
        var mismatches: [String] = []
        var verdicts: [UInt32: Int] = [:]
        var withMetadata = 0
        for (index, packet) in Self.packets.enumerated() {
            var first = packet
            let metadata = XDPCorpus.metadataPrograms.contains(name) ? XDPCorpus.metadata(for: index) : []
            let expected = try engines[0].program.run(using: engines[0].runner, xdp: &first, metadata: metadata)
            if !expected.metadata.isEmpty { withMetadata += 1 }
            verdicts[expected.action.rawValue, default: 0] += 1
            for engine in engines.dropFirst() {
                var copy = packet
                let other = try engine.program.run(using: engine.runner, xdp: &copy, metadata: metadata)
                if other != expected { mismatches.append("packet \(index): \(expected.action) vs \(other.action)") }
            }
            if let kernel {
                let run = try XDPCorpus.kernelRun(kernel.program, packet: packet, metadata: metadata)
                if run.returnValue != expected.action.rawValue || run.packet != expected.packet || run.metadata != expected.metadata {
                    mismatches.append(
                        "packet \(index) (\(packet.count) bytes): kernel \(run.returnValue) \(run.packet.count) bytes, "
                            + "interpreter \(expected.action) \(expected.packet.count) bytes")
                }
            }
        }
        #expect(mismatches.count == 0, "\(name): \(mismatches.count) mismatches, first: \(mismatches.prefix(3))")
        if XDPCorpus.metadataPrograms.contains(name) { #expect(withMetadata >= 700, "\(name): \(withMetadata) runs left metadata") }
        let maps = try XDPCorpus.contents(engines[0].object)
        for engine in engines.dropFirst() { #expect(try XDPCorpus.contents(engine.object) == maps, "\(name): maps differ") }
        if let kernel {
            let summed = try XDPCorpus.contents(engines[0].object, summingCPUs: true)
            #expect(XDPCorpus.contents(kernel.maps, of: engines[0].object) == summed, "\(name): the kernel's maps differ")
            for map in engines[0].object.maps {
                if let perCPU = map as? PerCPUMap { #expect(perCPU.possibleCPUs == KernelMap.possibleCPUs) }
            }
            let perCPU = XDPCorpus.countsPerCPU(kernel.maps, of: engines[0].object)
            if !perCPU.isEmpty { print("\(name): the kernel's per-CPU counts by CPU: \(perCPU.sorted { $0.key < $1.key })") }
        }
        print("\(name): verdicts \(verdicts.sorted { $0.key < $1.key }), kernel \(kernel == nil ? "skipped" : "compared"), maps \(maps.mapValues(\.count))")
    }
}
