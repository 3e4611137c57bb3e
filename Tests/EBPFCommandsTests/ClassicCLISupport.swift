import ClassicBPF
import EBPFTestSupport
import Foundation
import Testing

/// Classic programs and captures for the `ebpf filter` and `ebpf cbpf` tests, written out as
/// files in a temporary folder.
struct ClassicCLIFiles {
    /// A classic program written by hand as `(code, jt, jf, k)` tuples (the kernel's
    /// `struct sock_filter`), and how its file is spelled.
    struct HandProgram: CustomTestStringConvertible, Sendable {
        enum Form: String, Sendable { case dd, ddd, raw }

        let name: String
        let form: Form
        let tuples: [(UInt16, UInt8, UInt8, UInt32)]

        var testDescription: String { "\(name) (\(form.rawValue))" }

        var program: ClassicProgram {
            ClassicProgram(tuples.map { ClassicInstruction(code: $0.0, jumpIfTrue: $0.1, jumpIfFalse: $0.2, k: $0.3) })
        }

        /// The file's bytes, built here rather than with ClassicProgram's own printers.
        var fileBytes: [UInt8] {
            switch form {
            case .ddd: Array(dddText.utf8)
            case .dd:
                Array(tuples.map { "{ 0x\(String($0.0, radix: 16)), \($0.1), \($0.2), 0x\(String($0.3, radix: 16)) },\n" }.joined().utf8)
            case .raw:
                tuples.flatMap { t in
                    [UInt8(t.0 & 0xff), UInt8(t.0 >> 8), t.1, t.2] + (0..<4).map { UInt8(truncatingIfNeeded: t.3 >> (8 * $0)) }
                }
            }
        }

        /// `tcpdump -ddd` text: the count, then `code jt jf k` in decimal.
        var dddText: String {
            "\(tuples.count)\n" + tuples.map { "\($0.0) \($0.1) \($0.2) \($0.3)\n" }.joined()
        }
    }

    static let programs: [HandProgram] = [
        // ldh [12]; jeq #0x800 jt 2 jf 3; ret #262144; ret #0
        HandProgram(name: "ipv4", form: .ddd, tuples: [(0x28, 0, 0, 12), (0x15, 0, 1, 0x800), (0x06, 0, 0, 262_144), (0x06, 0, 0, 0)]),
        // IPv6, keeping only the first 40 bytes: truncates what -w writes.
        HandProgram(name: "ipv6 first 40 bytes", form: .dd, tuples: [(0x28, 0, 0, 12), (0x15, 0, 1, 0x86dd), (0x06, 0, 0, 40), (0x06, 0, 0, 0)]),
        // ld len; jgt #100; ret #65535; ret #0: the wire length, not the captured one.
        HandProgram(name: "wire length above 100", form: .raw, tuples: [(0x80, 0, 0, 0), (0x25, 0, 1, 100), (0x06, 0, 0, 65535), (0x06, 0, 0, 0)]),
        // IPv4 TCP: ldxb 4*([14]&0xf); ldh [x + 16]; ret a — keeps as many bytes as the
        // destination port says.
        HandProgram(name: "tcp destination port as length", form: .ddd, tuples: [
            (0x28, 0, 0, 12), (0x15, 0, 5, 0x800), (0x30, 0, 0, 23), (0x15, 0, 3, 6), (0xb1, 0, 0, 14), (0x48, 0, 0, 16), (0x16, 0, 0, 0), (0x06, 0, 0, 0),
        ]),
    ]

    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ebpf-cbpf-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// Writes `bytes` to `name` in the folder and returns the path.
    @discardableResult
    func write(_ bytes: [UInt8], to name: String) throws -> String {
        try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    static let packets: [PcapPacket] = {
        var generator = CaptureGenerator(seed: 31)
        return generator.packets(count: 3000)
    }()

    static let pcapHeader = PcapHeader(linkType: .ethernet, snapLength: 65535)

    /// ``packets`` as a classic pcap file.
    static var pcapBytes: [UInt8] {
        var writer = PcapWriter(header: pcapHeader)
        writer.write(contentsOf: packets)
        return writer.bytes
    }

    /// ``packets`` as a big-endian pcapng file with nanosecond timestamps.
    static var pcapngBytes: [UInt8] {
        var file = PcapngBuilder()
        file.sectionHeader(bigEndian: true)
        file.interface(linkType: 1, snapLength: 65535, options: [(code: 9, value: [9])])
        for packet in packets {
            file.enhancedPacket(
                interface: 0, timestamp: UInt64(packet.seconds) * 1_000_000_000 + UInt64(packet.nanoseconds), data: packet.data,
                originalLength: packet.originalLength)
        }
        return file.bytes
    }

    /// What `-w` must write for filter results `results`: the matching packets, each cut to the
    /// result when that is shorter than what was captured.
    static func expectedOutput(_ packets: [PcapPacket], results: [UInt32]) -> [PcapPacket] {
        zip(packets, results).compactMap { packet, result in
            guard result != 0 else { return nil }
            var kept = packet
            kept.data = Array(packet.data.prefix(Int(result)))
            return kept
        }
    }
}
