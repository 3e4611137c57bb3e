import Testing
import Foundation
import ClassicBPF
import EBPFTestSupport

@Suite struct PcapFileTests {
    static let formats: [(PcapByteOrder, PcapPrecision)] = [
        (.littleEndian, .microseconds), (.littleEndian, .nanoseconds), (.bigEndian, .microseconds), (.bigEndian, .nanoseconds),
    ]

    @Test(arguments: formats)
    func writtenFilesReadBack(byteOrder: PcapByteOrder, precision: PcapPrecision) throws {
        var generator = CaptureGenerator(seed: 11)
        var packets = generator.packets(count: 300)
        packets[5].nanoseconds = 123_456_789
        var writer = PcapWriter(header: PcapHeader(linkType: .ethernet, snapLength: 65535, precision: precision, byteOrder: byteOrder))
        writer.write(contentsOf: packets)
        var reader = try PcapReader(bytes: writer.bytes)
        #expect(reader.header == writer.header)
        let read = try reader.readAll()
        #expect(read.count == packets.count)
        for (original, copy) in zip(packets, read) {
            #expect(copy.data == original.data)
            #expect(copy.originalLength == original.originalLength)
            #expect(copy.seconds == original.seconds)
            #expect(copy.nanoseconds == (precision == .microseconds ? original.nanoseconds / 1000 * 1000 : original.nanoseconds))
        }
    }

    /// The header bytes, spelled out from the pcap format description.
    @Test func headerLayout() {
        let little = PcapWriter(header: PcapHeader(linkType: .ethernet, snapLength: 0x40000)).bytes
        #expect(little == [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0])
        let big = PcapWriter(header: PcapHeader(linkType: .raw, snapLength: 96, precision: .nanoseconds, byteOrder: .bigEndian)).bytes
        #expect(big == [0xa1, 0xb2, 0x3c, 0x4d, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 96, 0, 0, 0, 101])
    }

    static func file(records: [[UInt8]]) -> [UInt8] {
        PcapWriter().bytes + records.flatMap { $0 }
    }

    static func record(captured: UInt32, original: UInt32, data: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for word in [UInt32(1), 2, captured, original] { withUnsafeBytes(of: word.littleEndian) { bytes += $0 } }
        return bytes + [UInt8](repeating: 0xab, count: data)
    }

    static let malformed: [([UInt8], PcapError)] = [
        (Array(PcapWriter().bytes.prefix(23)), .truncatedFileHeader(byteCount: 23)),
        ([0, 1, 2, 3] + Array(PcapWriter().bytes.dropFirst(4)), .badMagic(0x0302_0100)),
        ([0xd4, 0xc3, 0xb2, 0xa1, 1, 0, 0, 0] + Array(PcapWriter().bytes.dropFirst(8)), .unsupportedVersion(major: 1, minor: 0)),
        (file(records: [record(captured: 4, original: 4, data: 4), Array(record(captured: 4, original: 4, data: 0).prefix(10))]), .truncatedRecordHeader(byteOffset: 44)),
        (file(records: [record(captured: 10, original: 60, data: 7)]), .truncatedPacketData(byteOffset: 40, needed: 10, available: 7)),
        (file(records: [record(captured: 300_000, original: 300_000, data: 0)]), .capturedLengthTooLarge(byteOffset: 24, length: 300_000)),
    ]

    @Test(arguments: malformed)
    func malformedFilesGiveTheOffset(bytes: [UInt8], expected: PcapError) {
        #expect(throws: expected) {
            var reader = try PcapReader(bytes: bytes)
            _ = try reader.readAll()
        }
    }

    @Test func filesOnDisk() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cbpf-\(UInt64.random(in: 0...UInt64.max)).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var writer = PcapWriter()
        writer.write(PcapPacket(seconds: 3, nanoseconds: 4000, data: [1, 2, 3], originalLength: 70))
        try writer.write(toFile: path)
        var reader = try PcapReader(contentsOf: path)
        #expect(try reader.next() == PcapPacket(seconds: 3, nanoseconds: 4000, data: [1, 2, 3], originalLength: 70))
        #expect(try reader.next() == nil)
        #expect(throws: PcapError.io(path: "/nonexistent/x.pcap", call: "fopen", errno: ENOENT)) {
            try PcapReader(contentsOf: "/nonexistent/x.pcap")
        }
    }

    @Test func generatorIsDeterministicAndVaried() {
        var first = CaptureGenerator(seed: 42)
        var second = CaptureGenerator(seed: 42)
        var other = CaptureGenerator(seed: 43)
        let packets = first.packets(count: 3000)
        #expect(packets == second.packets(count: 3000))
        #expect(packets != other.packets(count: 3000))
        func etherType(_ p: PcapPacket, at offset: Int) -> UInt16? {
            p.data.count >= offset + 2 ? UInt16(p.data[offset]) << 8 | UInt16(p.data[offset + 1]) : nil
        }
        let counts = (
            vlan: packets.filter { etherType($0, at: 12) == 0x8100 }.count,
            qinq: packets.filter { etherType($0, at: 12) == 0x88a8 }.count,
            ipv6: packets.filter { etherType($0, at: 12) == 0x86dd }.count,
            arp: packets.filter { etherType($0, at: 12) == 0x0806 }.count,
            fragments: packets.filter { etherType($0, at: 12) == 0x0800 && $0.data.count > 21 && ($0.data[20] & 0x3f != 0 || $0.data[21] != 0) }.count,
            truncated: packets.filter(\.isTruncated).count
        )
        for (name, count) in [("vlan", counts.vlan), ("qinq", counts.qinq), ("ipv6", counts.ipv6), ("arp", counts.arp), ("fragments", counts.fragments), ("truncated", counts.truncated)] {
            #expect(count > 30, "\(name)")
        }
    }
}
