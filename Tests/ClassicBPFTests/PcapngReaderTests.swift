import Testing
import Foundation
import ClassicBPF
import EBPFTestSupport
import PcapOracle

@Suite struct PcapngReaderTests {
    /// The smallest useful file, spelled out byte by byte from the specification: a Section
    /// Header, an Ethernet interface with snap length 65535, and one Enhanced Packet of 4 bytes
    /// (60 on the wire) at 1.000005 s (microsecond units, the default). Both byte orders.
    static let literalFiles: [[UInt8]] = [
        [
            0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0x00, 0x00, 0x00, 0x4d, 0x3c, 0x2b, 0x1a, 0x01, 0x00, 0x00, 0x00,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1c, 0x00, 0x00, 0x00,
            0x01, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,
            0x06, 0x00, 0x00, 0x00, 0x24, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x45, 0x42, 0x0f, 0x00, 0x04, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x24, 0x00, 0x00, 0x00,
        ],
        [
            0x0a, 0x0d, 0x0d, 0x0a, 0x00, 0x00, 0x00, 0x1c, 0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x01, 0x00, 0x00,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x1c,
            0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x14,
            0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x24, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x0f, 0x42, 0x45, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x3c, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x24,
        ],
    ]

    @Test(arguments: literalFiles)
    func literalFile(bytes: [UInt8]) throws {
        var reader = try PcapngReader(bytes: bytes)
        let expected = CaptureRecord(
            packet: PcapPacket(seconds: 1, nanoseconds: 5000, data: [0xde, 0xad, 0xbe, 0xef], originalLength: 60),
            linkType: .ethernet, snapLength: 65535, interface: 0)
        #expect(try reader.next() == expected)
        #expect(try reader.next() == nil)
        #expect(reader.interfaces == [PcapngInterface(linkType: .ethernet, snapLength: 65535)])
        var detected = try CaptureReader(bytes: bytes)
        #expect(detected.format == .pcapng)
        #expect(try detected.readAll() == [expected])
    }

    static let payload = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 7) }

    /// Two sections (little-endian, then big-endian), interfaces with nanosecond, 2^-20 s and
    /// default microsecond units and a time offset, Simple Packet Blocks, packet options, and
    /// blocks the reader must skip (name resolution, statistics, a custom block).
    static func mixedFile() -> [UInt8] {
        var file = PcapngBuilder()
        file.sectionHeader(bigEndian: false, options: [(code: 3, value: Array("test".utf8))])
        file.interface(linkType: 1, snapLength: 0, options: [(code: 2, value: Array("eth0".utf8)), (code: 9, value: [9])])
        file.block(type: 4, body: [0, 0, 0, 0])  // name resolution: just the end of records
        file.interface(linkType: 101, snapLength: 128, options: [(code: 9, value: [0x94]), (code: 14, value: file.optionValue(100))])
        file.enhancedPacket(interface: 0, timestamp: 1_700_000_000_123_456_789, data: Array(payload.prefix(60)))
        file.enhancedPacket(interface: 1, timestamp: 3 << 20 | 1 << 19, data: Array(payload.prefix(5)), originalLength: 1500, options: [(code: 1, value: Array("comment".utf8))])
        file.block(type: 5, body: file.word(0) + file.word(0) + file.word(0))  // interface statistics
        file.simplePacket(originalLength: 200, data: payload)
        file.block(type: 0x0000_0bad, body: [1, 2, 3, 4, 5, 6, 7, 8])  // custom block
        file.sectionHeader(bigEndian: true)
        file.interface(linkType: 1, snapLength: 64)
        file.simplePacket(originalLength: 100, data: Array(payload.prefix(64)))
        file.enhancedPacket(interface: 0, timestamp: 2_000_001, data: Array(payload.prefix(7)))
        return file.bytes
    }

    static let mixedRecords: [CaptureRecord] = [
        CaptureRecord(packet: PcapPacket(seconds: 1_700_000_000, nanoseconds: 123_456_789, data: Array(payload.prefix(60))), linkType: .ethernet, snapLength: 0, interface: 0),
        CaptureRecord(packet: PcapPacket(seconds: 103, nanoseconds: 500_000_000, data: Array(payload.prefix(5)), originalLength: 1500), linkType: .raw, snapLength: 128, interface: 1),
        CaptureRecord(packet: PcapPacket(seconds: 0, nanoseconds: 0, data: payload), linkType: .ethernet, snapLength: 0, interface: 0),
        CaptureRecord(packet: PcapPacket(seconds: 0, nanoseconds: 0, data: Array(payload.prefix(64)), originalLength: 100), linkType: .ethernet, snapLength: 64, interface: 0),
        CaptureRecord(packet: PcapPacket(seconds: 2, nanoseconds: 1000, data: Array(payload.prefix(7))), linkType: .ethernet, snapLength: 64, interface: 0),
    ]

    @Test func sectionsInterfacesAndSkippedBlocks() throws {
        var reader = try PcapngReader(bytes: Self.mixedFile())
        let records = try reader.readAll()
        #expect(records.count == Self.mixedRecords.count)
        for (index, (read, expected)) in zip(records, Self.mixedRecords).enumerated() {
            #expect(read == expected, "packet \(index)")
        }
        #expect(reader.sectionCount == 2)
        #expect(reader.byteOrder == .bigEndian)
        #expect(reader.interfaces == [PcapngInterface(linkType: .ethernet, snapLength: 64)])
    }

    @Test(arguments: [
        (UInt8(6), UInt64(1_000_000)), (9, 1_000_000_000), (0, 1), (19, 10_000_000_000_000_000_000), (0x80, 1), (0x94, 1 << 20), (0xbf, 1 << 63),
    ])
    func timestampResolutions(byte: UInt8, unitsPerSecond: UInt64) throws {
        let resolution = try #require(PcapngTimestampResolution(optionByte: byte))
        #expect(resolution.unitsPerSecond == unitsPerSecond)
        // k.25 s in these units where a quarter second is a whole number of them, minus the
        // offset of 1 s; k is 2 unless that would not fit 64 bits.
        if unitsPerSecond % 4 == 0 {
            let whole: UInt64 = unitsPerSecond <= UInt64.max / 3 ? 2 : 1
            let interface = PcapngInterface(linkType: .ethernet, timestampResolution: resolution, timestampOffset: -1)
            let time = interface.time(ofTimestamp: whole * unitsPerSecond + unitsPerSecond / 4)
            #expect(time.seconds == UInt32(whole - 1))
            #expect(time.nanoseconds == 250_000_000)
        }
    }

    @Test(arguments: [UInt8(20), 0x7f, 0xc0, 0xff])
    func resolutionsBeyond64Bits(byte: UInt8) {
        #expect(PcapngTimestampResolution(optionByte: byte) == nil)
    }

    /// A section header, then one Ethernet interface (snap length 0), in little-endian order.
    static func header(interfaceOptions: [(code: UInt16, value: [UInt8])] = []) -> PcapngBuilder {
        var file = PcapngBuilder()
        file.sectionHeader()
        file.interface(linkType: 1, snapLength: 0, options: interfaceOptions)
        return file
    }

    static func withPacket(_ edit: (inout [UInt8]) -> Void) -> [UInt8] {
        var file = header()
        file.enhancedPacket(interface: 0, timestamp: 0, data: [1, 2, 3, 4, 5, 6, 7, 8])
        var bytes = file.bytes
        edit(&bytes)
        return bytes
    }

    /// Offsets: the section header is 28 bytes, the interface block 20, so a packet block starts at 48.
    static let malformed: [(name: String, bytes: [UInt8], error: PcapError)] = {
        var cases: [(name: String, bytes: [UInt8], error: PcapError)] = []
        cases.append(("three bytes", [0x0a, 0x0d, 0x0d], .truncatedFileHeader(byteCount: 3)))
        var file = PcapngBuilder()
        file.sectionHeader()
        var bytes = file.bytes
        bytes[8] = 0x4e
        cases.append(("byte-order magic", bytes, .badByteOrderMagic(byteOffset: 8, value: 0x1a2b_3c4e)))
        file = PcapngBuilder()
        file.sectionHeader(major: 2)
        cases.append(("version 2", file.bytes, .unsupportedSectionVersion(byteOffset: 12, major: 2, minor: 0)))
        bytes = header().bytes
        bytes[4] = 20
        bytes[24] = 20
        cases.append(("section header too short", bytes, .badBlockLength(byteOffset: 4, blockType: 0x0a0d_0d0a, length: 20)))
        cases.append(("cut inside a packet block", Array(withPacket { _ in }.dropLast(3)), .truncatedBlock(byteOffset: 48, needed: 40, available: 37)))
        cases.append(("trailing length", withPacket { $0[$0.count - 4] = 44 }, .blockLengthMismatch(byteOffset: 84, leading: 40, trailing: 44)))
        cases.append(("length not a multiple of 4", withPacket { $0[52] = 41 }, .badBlockLength(byteOffset: 52, blockType: 6, length: 41)))
        cases.append(("captured length past the block", withPacket { $0[68] = 9 }, .truncatedPacketData(byteOffset: 76, needed: 9, available: 8)))
        cases.append(("unknown interface", withPacket { $0[56] = 3 }, .unknownInterface(byteOffset: 56, interface: 3, count: 1)))
        cases.append(("garbage after the last block", withPacket { $0 += [0, 0, 0, 0, 8, 0, 0, 0] }, .truncatedBlock(byteOffset: 88, needed: 12, available: 8)))
        file = PcapngBuilder()
        file.sectionHeader()
        file.enhancedPacket(interface: 0, timestamp: 0, data: [1])
        cases.append(("packet before any interface", file.bytes, .unknownInterface(byteOffset: 36, interface: 0, count: 0)))
        file = PcapngBuilder()
        file.sectionHeader()
        file.simplePacket(originalLength: 1, data: [1])
        cases.append(("simple packet before any interface", file.bytes, .unknownInterface(byteOffset: 36, interface: 0, count: 0)))
        // Interface options start at 28 + 16 = 44.
        bytes = header(interfaceOptions: [(code: 2, value: [0x65, 0x74, 0x68, 0x30])]).bytes
        bytes[46] = 13
        cases.append(("option past its block", bytes, .badOption(byteOffset: 44, code: 2, length: 13)))
        cases.append(("if_tsresol of 2 bytes", header(interfaceOptions: [(code: 9, value: [6, 0])]).bytes, .badOption(byteOffset: 44, code: 9, length: 2)))
        cases.append(("if_tsresol 10^-20", header(interfaceOptions: [(code: 9, value: [20])]).bytes, .unsupportedTimestampResolution(byteOffset: 48, value: 20)))
        cases.append(("if_tsoffset of 4 bytes", header(interfaceOptions: [(code: 14, value: [1, 0, 0, 0])]).bytes, .badOption(byteOffset: 44, code: 14, length: 4)))
        return cases
    }()

    @Test(arguments: malformed.indices)
    func malformedFilesGiveTheOffset(index: Int) {
        let (name, bytes, expected) = Self.malformed[index]
        #expect(throws: expected, "\(name)") {
            var reader = try CaptureReader(bytes: bytes)
            _ = try reader.readAll()
        }
    }

    /// Truncated, bit-flipped and overwritten files: every outcome is packets or a PcapError
    /// (typed throws make any other error impossible; a trap would end the test process).
    @Test func mutatedFilesNeverTrap() {
        let original = Self.mixedFile()
        var random = SplitMix64(seed: 99)
        var (parsed, rejected) = (0, 0)
        for round in 0..<3000 {
            var bytes = original
            switch round % 3 {
            case 0: bytes.removeLast(random.below(bytes.count))
            case 1: for _ in 0...random.below(4) { bytes[random.below(bytes.count)] ^= UInt8(1 << random.below(8)) }
            default:
                let at = random.below(bytes.count - 4)
                let value = random.element(of: [UInt32.max, 0x8000_0000, 0, 12, 0xffff_fff0, UInt32(truncatingIfNeeded: random.next())])
                withUnsafeBytes(of: value) { bytes.replaceSubrange(at..<(at + 4), with: $0) }
            }
            do {
                var reader = try CaptureReader(bytes: bytes)
                let records = try reader.readAll()
                #expect(records.allSatisfy { $0.packet.data.count <= bytes.count })
                parsed += 1
            } catch {
                rejected += 1
            }
        }
        #expect(parsed > 100 && rejected > 100, "parsed \(parsed), rejected \(rejected)")
    }

    @Test func captureReaderTellsFormatsApart() throws {
        var writer = PcapWriter(header: PcapHeader(linkType: .raw, snapLength: 96, byteOrder: .bigEndian))
        writer.write(PcapPacket(seconds: 5, data: [0x45, 0, 0, 20], originalLength: 20))
        var pcap = try CaptureReader(bytes: writer.bytes)
        #expect(pcap.format == .pcap)
        #expect(pcap.pcapHeader == writer.header)
        #expect(try pcap.readAll() == [CaptureRecord(packet: PcapPacket(seconds: 5, data: [0x45, 0, 0, 20], originalLength: 20), linkType: .raw, snapLength: 96)])
        #expect(throws: PcapError.badMagic(0x0d0d_0a0b)) { try CaptureReader(bytes: [0x0b, 0x0a, 0x0d, 0x0d] + [UInt8](repeating: 0, count: 40)) }
        #expect(try CaptureReader(bytes: Self.mixedFile()).pcapHeader == nil)
    }
}

/// pcapng files other readers must agree on: three Ethernet interfaces (nanosecond units;
/// 2^-20 s units with a 7 s offset; the default microseconds) with the same snap length, as
/// libpcap 1.10 requires, Enhanced and Simple Packet Blocks.
enum PcapngInteropFile {
    static func bytes(bigEndian: Bool) -> [UInt8] {
        var file = PcapngBuilder()
        file.sectionHeader(bigEndian: bigEndian)
        file.interface(linkType: 1, snapLength: 0, options: [(code: 9, value: [9])])
        file.interface(linkType: 1, snapLength: 0, options: [(code: 9, value: [0x94]), (code: 14, value: file.optionValue(7))])
        file.interface(linkType: 1, snapLength: 0)
        var generator = CaptureGenerator(seed: 5)
        for (index, packet) in generator.packets(count: count).enumerated() {
            switch index % 4 {
            case 0: file.enhancedPacket(interface: 0, timestamp: 1_700_000_000_000_000_000 + UInt64(index) * 1_234_567, data: packet.data, originalLength: packet.originalLength)
            // Multiples of 2^11 units of 2^-20 s are whole nanoseconds (2^-9 s = 1953125 ns).
            case 1: file.enhancedPacket(interface: 1, timestamp: UInt64(index) << 11 | 5 << 20, data: Array(packet.data.prefix(96)), originalLength: packet.originalLength)
            case 2: file.enhancedPacket(interface: 2, timestamp: 1_700_000_000_000_000 + UInt64(index), data: packet.data, originalLength: packet.originalLength)
            default: file.simplePacket(originalLength: UInt32(packet.data.count), data: packet.data)
            }
        }
        return file.bytes
    }

    static let count = 300

    /// Writes the file to a temporary path, runs `body`, removes the file.
    static func withFile<T>(bigEndian: Bool, _ body: (String) throws -> T) throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cbpf-\(UInt64.random(in: 0...UInt64.max)).pcapng").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes(bigEndian: bigEndian)).write(to: URL(fileURLWithPath: path))
        return try body(path)
    }

    static func tcpdumpPath() -> String? {
        ["/usr/bin/tcpdump", "/usr/sbin/tcpdump", "/usr/local/bin/tcpdump", "/usr/local/sbin/tcpdump"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }
}

/// tcpdump (through its libpcap) converts the pcapng file to classic pcap with nanosecond
/// timestamps; the packets must be the ones ``PcapngReader`` reads.
@Suite(.enabled(if: PcapngInteropFile.tcpdumpPath() != nil, "tcpdump is not installed"))
struct PcapngTcpdumpTests {
    @Test(arguments: [false, true])
    func tcpdumpReadsTheSamePackets(bigEndian: Bool) throws {
        let tcpdump = try #require(PcapngInteropFile.tcpdumpPath())
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("cbpf-\(UInt64.random(in: 0...UInt64.max)).pcap").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let ours = try PcapngInteropFile.withFile(bigEndian: bigEndian) { path in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tcpdump)
            process.arguments = ["--nano", "-r", path, "-w", output]
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            var reader = try CaptureReader(contentsOf: path)
            return try reader.readAll().map(\.packet)
        }
        var converted = try PcapReader(contentsOf: output)
        #expect(converted.header.precision == .nanoseconds)
        let theirs = try converted.readAll()
        #expect(ours.count == PcapngInteropFile.count)
        #expect(theirs == ours)
    }
}

/// libpcap reads the same pcapng files (`pcap_open_offline` detects the format as well); skipped
/// where the system's libpcap cannot be loaded.
@Suite(.libpcapLoads) struct PcapngLibpcapTests {
    @Test(arguments: [false, true])
    func libpcapReadsTheSamePackets(bigEndian: Bool) throws {
        let (ours, theirs) = try PcapngInteropFile.withFile(bigEndian: bigEndian) { path in
            var reader = try CaptureReader(contentsOf: path)
            return (try reader.readAll().map(\.packet), try LibpcapReader.readAll(path: path).get())
        }
        #expect(theirs.linkType == .ethernet)
        #expect(ours.count == PcapngInteropFile.count)
        #expect(theirs.packets.count == ours.count)
        for (index, (mine, libpcap)) in zip(ours, theirs.packets).enumerated() {
            #expect(mine == libpcap, "packet \(index)")
        }
    }
}
