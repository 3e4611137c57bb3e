import Testing
import Foundation
import ClassicBPF
import EBPFTestSupport
import EBPFCore
import EBPFInterpreter
import EBPFJIT
import EBPFVerifier
import PcapOracle

/// Packets per second for libpcap's `bpf_filter`, the reference classic interpreter, and the
/// translated program in the eBPF interpreter and JIT. Off unless `EBPF_CLASSIC_BENCHMARK` is
/// set; run in release mode (see docs/benchmarks.md). Needs the system's libpcap.
///
/// libpcap and the JIT each run a whole pass in one call that loops over the packets, in
/// alternating passes over the same in-memory contexts into the same result array
/// (``LibpcapFilter/run(capturedPackets:results:)``, a loop of direct `bpf_filter` calls;
/// ``CompiledProgram/run(each:results:)``, the JIT's batch entry with its own copy of the body,
/// as `ebpf filter` compiles it); the interpreters run one
/// call per packet (the eBPF interpreter on one reused stack area).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["EBPF_CLASSIC_BENCHMARK"] != nil, "set EBPF_CLASSIC_BENCHMARK=1 to run"), .libpcapLoads)
struct ClassicBenchmark {
    static let expressions = [
        "ip",
        "tcp port 80 and host 10.0.0.1",
        "vlan and tcp",
        "tcp[tcpflags] & (tcp-syn|tcp-fin) != 0 and not src net 192.168.0.0/16",
        "tcp port 80 and (((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)",
        "ip6 and tcp port 443",
    ]

    /// `EBPF_CLASSIC_BENCHMARK_PACKETS` packets (200,000 unless set; a few thousand fit in the
    /// caches and let the branch predictor learn the sequence), `EBPF_CLASSIC_BENCHMARK_PASSES`
    /// rounds (30 unless set) of one libpcap pass and one JIT pass in alternating order, so both
    /// see the same machine load; the interpreters' rates are the best of 3 passes.
    static func setting(_ name: String, default value: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap { Int($0) } ?? value
    }

    @Test func packetsPerSecond() throws {
        var generator = CaptureGenerator(seed: 1)
        let packets = generator.packets(count: Self.setting("EBPF_CLASSIC_BENCHMARK_PACKETS", default: 200_000))
        let rounds = Self.setting("EBPF_CLASSIC_BENCHMARK_PASSES", default: 30)
        // All contexts in one buffer, each a 4-byte wire length and the captured bytes, so no
        // engine pays for copying or allocation inside the timed loop.
        var buffer: [UInt8] = []
        var spans: [(start: Int, count: Int)] = []
        for packet in packets {
            let context = packet.capturedPacketContext
            spans.append((buffer.count, context.count))
            buffer += context
        }
        let clock = ContinuousClock()
        var lines = [
            "| filter | classic insns | libpcap bpf_filter | reference interpreter | eBPF interpreter | eBPF JIT | JIT / libpcap | per round: median (min–max) | matches |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        var results = [UInt64](repeating: 0, count: spans.count)
        func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
        try buffer.withUnsafeMutableBytes { all in
            let base = UInt64(UInt(bitPattern: all.baseAddress))
            let contexts = spans.map { MemoryRegion(start: base + UInt64($0.start), count: UInt64($0.count)) }
            for expression in Self.expressions {
                let classic = try PcapCompiler.compile(expression: expression)
                let program = try ClassicTranslator.translate(classic, kind: .capturedPacket)
                let facts = try Verifier().verify(program).facts
                let interpreter = Interpreter(program: program)
                let jit = try JIT.compile(program, facts: facts, options: JITOptions(inlinedBatchBody: true))
                let libpcap = try LibpcapFilter(classic)
                var counts: Set<Int> = []
                /// Seconds for one pass of `pass`, which runs every packet once, writing each result.
                func time(_ pass: (UnsafeMutableBufferPointer<UInt64>) throws -> Void) rethrows -> Double {
                    let elapsed = try results.withUnsafeMutableBufferPointer { results in
                        try clock.measure { try pass(results) }
                    }
                    counts.insert(results.count { $0 != 0 })
                    return seconds(elapsed)
                }
                func rate(_ seconds: Double) -> Double { Double(spans.count) / seconds }
                // libpcap and the JIT: the same contexts, the same result array, one pass each per
                // round, the order alternating.
                var libpcapTimes: [Double] = [], jitTimes: [Double] = []
                try contexts.withUnsafeBufferPointer { contexts in
                    for round in 0..<rounds {
                        if round % 2 == 0 { libpcapTimes.append(time { libpcap.run(capturedPackets: contexts, results: $0) }) }
                        jitTimes.append(try time { try jit.run(each: contexts, results: $0) })
                        if round % 2 == 1 { libpcapTimes.append(time { libpcap.run(capturedPackets: contexts, results: $0) }) }
                    }
                }
                let referenceTime = (0..<3).map { _ in
                    time { results in
                        for (index, context) in contexts.enumerated() {
                            let bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: UInt(context.start)), count: Int(context.count))
                            let wire = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
                            results[index] = UInt64(ClassicInterpreter.run(classic, packet: UnsafeRawBufferPointer(rebasing: bytes[4...]), wireLength: wire))
                        }
                    }
                }.min()!
                // One stack reused for every packet, as the kernel does (with `nil` each run would
                // zero a fresh 4 KiB stack).
                let stack = UnsafeMutableRawBufferPointer.allocate(byteCount: ExecutionLimits.stackSize, alignment: 16)
                defer { stack.deallocate() }
                stack.initializeMemory(as: UInt8.self, repeating: 0)
                let interpreterTime = try (0..<3).map { _ in
                    try time { results in
                        for (index, context) in contexts.enumerated() {
                            let memory = UnsafeMutableRawBufferPointer(
                                start: UnsafeMutableRawPointer(bitPattern: UInt(context.start)), count: Int(context.count))
                            results[index] = try interpreter.run(memory: memory, stack: stack)
                        }
                    }
                }.min()!
                #expect(counts.count == 1, "every engine matches the same packets")
                func mpps(_ seconds: Double) -> String { String(format: "%.1f M/s", rate(seconds) / 1e6) }
                let ratios = zip(libpcapTimes, jitTimes).map { $0 / $1 }.sorted()
                lines.append(
                    "| `\(expression)` | \(classic.count) | \(mpps(libpcapTimes.min()!)) | \(mpps(referenceTime)) | \(mpps(interpreterTime)) | "
                        + "\(mpps(jitTimes.min()!)) | " + String(format: "%.2f×", libpcapTimes.min()! / jitTimes.min()!)
                        + String(format: " | %.2f× (%.2f–%.2f)", ratios[ratios.count / 2], ratios[0], ratios[ratios.count - 1])
                        + " | \(counts.first ?? 0) |")
            }
        }
        print(lines.joined(separator: "\n"))
    }
}
