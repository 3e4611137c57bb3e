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

    @Test func packetsPerSecond() throws {
        var generator = CaptureGenerator(seed: 1)
        let packets = generator.packets(count: 200_000)
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
        var lines = ["| filter | classic insns | libpcap bpf_filter | reference interpreter | eBPF interpreter | eBPF JIT | matches |", "|---|---:|---:|---:|---:|---:|---:|"]
        for expression in Self.expressions {
            let classic = try PcapCompiler.compile(expression: expression)
            let program = try ClassicTranslator.translate(classic, kind: .capturedPacket)
            let facts = try Verifier().verify(program).facts
            let interpreter = Interpreter(program: program)
            let jit = try JIT.compile(program, facts: facts)
            let libpcap = try LibpcapFilter(classic)
            var counts: [Int] = []
            func rate(_ body: (UnsafeMutableRawBufferPointer) -> Bool) -> Double {
                var best = Duration.seconds(1000)
                for _ in 0..<3 {
                    var matched = 0
                    let elapsed = buffer.withUnsafeMutableBytes { all in
                        clock.measure {
                            for span in spans where body(UnsafeMutableRawBufferPointer(rebasing: all[span.start..<(span.start + span.count)])) {
                                matched += 1
                            }
                        }
                    }
                    best = min(best, elapsed)
                    counts.append(matched)
                }
                let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
                return Double(spans.count) / seconds
            }
            let libpcapRate = rate { context in
                let wire = UInt32(context[0]) | UInt32(context[1]) << 8 | UInt32(context[2]) << 16 | UInt32(context[3]) << 24
                return libpcap.run(packet: UnsafeRawBufferPointer(rebasing: context[4...]), wireLength: wire) != 0
            }
            let referenceRate = rate { context in
                let wire = UInt32(context[0]) | UInt32(context[1]) << 8 | UInt32(context[2]) << 16 | UInt32(context[3]) << 24
                return ClassicInterpreter.run(classic, packet: UnsafeRawBufferPointer(rebasing: context[4...]), wireLength: wire) != 0
            }
            // One stack reused for every packet, as the kernel does (with `nil` each run would
            // allocate and zero a fresh 4 KiB stack).
            let stack = UnsafeMutableRawBufferPointer.allocate(byteCount: ExecutionLimits.stackSize, alignment: 16)
            defer { stack.deallocate() }
            stack.initializeMemory(as: UInt8.self, repeating: 0)
            let interpreterRate = rate { context in ((try? interpreter.run(memory: context, stack: stack)) ?? 0) != 0 }
            let jitRate = rate { context in ((try? jit.run(memory: context, stack: stack)) ?? 0) != 0 }
            #expect(Set(counts).count == 1, "every engine matches the same packets")
            func mpps(_ rate: Double) -> String { String(format: "%.1f M/s", rate / 1e6) }
            lines.append("| `\(expression)` | \(classic.count) | \(mpps(libpcapRate)) | \(mpps(referenceRate)) | \(mpps(interpreterRate)) | \(mpps(jitRate)) | \(counts[0]) |")
        }
        print(lines.joined(separator: "\n"))
    }
}
