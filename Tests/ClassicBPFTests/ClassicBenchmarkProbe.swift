import Testing
import Foundation
import ClassicBPF
import EBPFTestSupport
import EBPFCore
import EBPFJIT
import EBPFVerifier
import PcapOracle

/// Where a pass over a streamed capture spends its time (docs/benchmarks.md, "Where a filter
/// pass spends its time"): libpcap and the JIT over the same in-memory contexts, next to plain
/// Swift loops that touch the same memory without filtering (the pairs, one packet byte, the
/// results), every probe once per round in alternating order; nanoseconds per packet, the
/// minimum and median over the rounds. A development aid, off unless `EBPF_CLASSIC_PROBE` is
/// set; `EBPF_CLASSIC_PROBE_SORT=1` groups the packets by EtherType first (the same bytes, but
/// the filters' branches become predictable), `EBPF_CLASSIC_PROBE_EXPRESSIONS` takes
/// `;`-separated expressions (`ret` is `ret #65535`, `ip/branch` is `ip` with its last decision
/// a branch rather than a select).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["EBPF_CLASSIC_PROBE"] != nil, "set EBPF_CLASSIC_PROBE=1 to run"), .libpcapLoads)
struct ClassicBenchmarkProbe {
    @Test func probes() throws {
        let environment = ProcessInfo.processInfo.environment
        var generator = CaptureGenerator(seed: 1)
        let count = ClassicBenchmark.setting("EBPF_CLASSIC_BENCHMARK_PACKETS", default: 200_000)
        let rounds = ClassicBenchmark.setting("EBPF_CLASSIC_BENCHMARK_PASSES", default: 30)
        var packets = generator.packets(count: count)
        if environment["EBPF_CLASSIC_PROBE_SORT"] != nil {
            packets.sort { $0.data.dropFirst(12).prefix(2).lexicographicallyPrecedes($1.data.dropFirst(12).prefix(2)) }
        }
        var buffer: [UInt8] = []
        var spans: [(start: Int, count: Int)] = []
        for packet in packets {
            let context = packet.capturedPacketContext
            spans.append((buffer.count, context.count))
            buffer += context
        }
        print("\(count) packets: contexts \(buffer.count) bytes, pairs \(count * 16), results \(count * 8)")
        let results = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: spans.count)
        results.initialize(repeating: 0)
        defer { results.deallocate() }
        let clock = ContinuousClock()
        try buffer.withUnsafeMutableBytes { all in
            let base = UInt64(UInt(bitPattern: all.baseAddress))
            let regions = spans.map { MemoryRegion(start: base + UInt64($0.start), count: UInt64($0.count)) }
            try regions.withUnsafeBufferPointer { contexts in
                var probes: [(name: String, run: () throws -> Void)] = []
                let expressions = (environment["EBPF_CLASSIC_PROBE_EXPRESSIONS"] ?? "ret;ip;ip/branch;tcp port 80 and host 10.0.0.1")
                    .split(separator: ";").map(String.init)
                for expression in expressions {
                    let classic = switch expression {
                    case "ret": ClassicProgram([ClassicInstruction(code: 0x06, k: 65535)])
                    // `ip` with its last decision as a branch (a jump to `ld #k; ret a`, not to two
                    // `ret #k`), as the translation emitted it before selects.
                    case "ip/branch": ClassicProgram([
                        ClassicInstruction(code: 0x28, k: 12), ClassicInstruction(code: 0x15, jumpIfTrue: 0, jumpIfFalse: 2, k: 0x800),
                        ClassicInstruction(code: 0x00, k: 262_144), ClassicInstruction(code: 0x16), ClassicInstruction(code: 0x06, k: 0),
                    ])
                    default: try PcapCompiler.compile(expression: expression)
                    }
                    let program = try ClassicTranslator.translate(classic, kind: .capturedPacket)
                    let jit = try JIT.compile(program, facts: try Verifier().verify(program).facts, options: JITOptions(inlinedBatchBody: true))
                    let libpcap = try LibpcapFilter(classic)
                    probes.append(("libpcap \(expression)", { libpcap.run(capturedPackets: contexts, results: results) }))
                    probes.append(("jit \(expression)", { try jit.run(each: contexts, results: results) }))
                }
                probes.append(("swift: pairs, results", {
                    for index in 0..<contexts.count { results[index] = contexts[index].count }
                }))
                probes.append(("swift: pairs, byte 16, results", {
                    for index in 0..<contexts.count {
                        results[index] = UInt64(UnsafePointer<UInt8>(bitPattern: UInt(contexts[index].start))![16])
                    }
                }))
                var samples = [[Double]](repeating: [], count: probes.count)
                for round in 0..<rounds {
                    for index in round % 2 == 0 ? Array(probes.indices) : probes.indices.reversed() {
                        let elapsed = try clock.measure { try probes[index].run() }
                        let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
                        samples[index].append(nanoseconds / Double(count))
                    }
                }
                for (index, probe) in probes.enumerated() {
                    let sorted = samples[index].sorted()
                    print(probe.name.padding(toLength: 44, withPad: " ", startingAt: 0)
                        + String(format: "min %6.2f  median %6.2f ns/packet", sorted[0], sorted[sorted.count / 2]))
                }
            }
        }
    }
}
