import Testing
import Foundation
import ClassicBPF
import EBPFTestSupport
import PcapOracle

/// Against libpcap itself (the system's, loaded at run time; skipped where it cannot be loaded):
/// filters compiled by `pcap_compile`, translated and run in every engine, must match
/// `pcap_offline_filter` packet by packet.
@Suite(.libpcapLoads) struct LibpcapOracleTests {
    static let expressions = [
        "tcp port 80 and host 10.0.0.1", "ip", "ip6", "arp", "tcp", "udp", "icmp", "icmp6", "sctp", "ip proto 47",
        "vlan", "vlan 100", "vlan and tcp", "vlan and vlan", "vlan 10 and udp port 53",
        "ip[6:2] & 0x1fff != 0", "ip[6] & 0x20 != 0", "ip6[6] == 44",
        "tcp[tcpflags] & tcp-syn != 0", "tcp[tcpflags] & (tcp-syn|tcp-fin) != 0 and not src net 192.168.0.0/16",
        "udp port 53", "port 53 or port 123", "portrange 1000-9000", "tcp dst port 22 and ip[2:2] > 60",
        "src host 10.0.0.2 or dst host 8.8.8.8", "net 10.0.0.0/8", "not net 192.168.1.0/24",
        "ip6 and tcp port 443", "ip6 src 2001:db8::1", "ip6 net fe80::/10", "ip6 multicast",
        "ether host 02:00:00:00:00:01", "ether broadcast", "ether multicast", "ip multicast", "ip6 and udp port 53",
        "greater 100", "less 64", "len >= 60 and len <= 200",
        "tcp port 80 and (((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)",
        "icmp[icmptype] == icmp-echo", "icmp6 and ip6[40] == 128", "ip and ip[8] < 16", "not ip and not ip6",
        "ether proto 0x88cc", "pppoes", "stp", "llc",
        "udp[8:4] = 0x01020304 or tcp[20:2] > 1000", "ip[0] & 0xf > 5", "ip6 and udp and ip6[44:2] > 40",
    ]

    static let packets: [PcapPacket] = {
        var generator = CaptureGenerator(seed: 2024)
        return generator.packets(count: 4000)
    }()

    @Test(arguments: expressions)
    func translatedFiltersMatchLibpcap(expression: String) throws {
        let classic = try PcapCompiler.compile(expression: expression, linkType: .ethernet, snaplen: 262_144)
        let libpcap = try LibpcapFilter(classic)
        #expect(libpcap.isValid)
        let engines = try TranslatedEngines(classic, kind: .capturedPacket)
        var matches = 0
        for (index, packet) in Self.packets.enumerated() {
            let expected = packet.data.withUnsafeBytes { libpcap.run(packet: $0, wireLength: packet.originalLength) }
            #expect(libpcap.matches(packet) == (expected != 0))
            if expected != 0 { matches += 1 }
            #expect(ClassicInterpreter.run(classic, packet: packet.data, wireLength: packet.originalLength) == expected, "packet \(index)")
            for (name, result) in engines.run(context: packet.capturedPacketContext) where result != UInt64(expected) {
                Issue.record("\(expression): packet \(index) \(name) gave \(String(describing: result)), libpcap \(expected)")
                return
            }
        }
        // Expressions that match nothing (or everything) in the capture would prove little.
        #expect(matches > 0 && matches < Self.packets.count, "\(expression): \(matches) matches")
    }

    /// `protochain` loops over extension headers with a backward jump, which libpcap's own
    /// `bpf_filter` runs but the kernel (and so this runtime) rejects, as Linux tcpdump does
    /// before falling back to filtering in user space.
    @Test(arguments: ["ip6 protochain 6", "ip protochain 17"])
    func backwardJumpsAreRejected(expression: String) throws {
        let classic = try PcapCompiler.compile(expression: expression)
        #expect {
            try ClassicTranslator.translate(classic, kind: .capturedPacket)
        } throws: { error in
            guard case .check(.jumpOutOfRange(let index, _))? = error as? ClassicTranslationError else { return false }
            return classic.instructions[index].code == 0x05 && Int32(bitPattern: classic.instructions[index].k) < 0
        }
    }

    /// The reference interpreter against libpcap's `bpf_filter` on random programs, including
    /// loads past the captured bytes, divisions by zero and shifts by 32 or more.
    @Test func referenceInterpreterAgreesWithBPFFilter() throws {
        var random = RandomClassicPrograms(seed: 77)
        for _ in 0..<400 {
            let classic = random.program(kind: .socketFilter, length: 2 + random.below(40))
            let libpcap = try LibpcapFilter(classic)
            for _ in 0..<8 {
                let packet = random.packet()
                let wireLength = UInt32(packet.count + random.below(2) * random.below(200))
                let expected = packet.withUnsafeBytes { libpcap.run(packet: $0, wireLength: wireLength) }
                #expect(ClassicInterpreter.run(classic, packet: packet, wireLength: wireLength) == expected, "\(ClassicDisassembler.text(of: classic))")
            }
        }
    }

    @Test func disassemblerMatchesBPFImage() throws {
        for code in UInt16(0)...0x1ff where code != 0x81 {
            for (jt, jf, k) in [(UInt8(0), UInt8(0), UInt32(0)), (2, 7, 17), (255, 1, 0xffff_fff0), (1, 0, 0x8000_0000)] {
                let instruction = ClassicInstruction(code: code, jumpIfTrue: jt, jumpIfFalse: jf, k: k)
                for index in [0, 5, 1234] {
                    #expect(try ClassicDisassembler.line(for: instruction, at: index) == LibpcapFilter.image(instruction, at: index))
                }
            }
        }
    }

    @Test func compileErrorsCarryLibpcapsMessage() {
        #expect {
            try PcapCompiler.compile(expression: "tcp port eighty")
        } throws: { error in
            guard case .rejected(let expression, let message)? = error as? PcapCompileError else { return false }
            return expression == "tcp port eighty" && !message.isEmpty
        }
    }

    @Test(arguments: PcapFileTests.formats)
    func libpcapReadsWrittenFiles(byteOrder: PcapByteOrder, precision: PcapPrecision) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cbpf-oracle-\(UInt64.random(in: 0...UInt64.max)).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var writer = PcapWriter(header: PcapHeader(linkType: .ethernet, snapLength: 65535, precision: precision, byteOrder: byteOrder))
        writer.write(contentsOf: Self.packets.prefix(500))
        try writer.write(toFile: path)
        let (linkType, packets) = try LibpcapReader.readAll(path: path).get()
        #expect(linkType == .ethernet)
        #expect(packets.count == 500)
        for (written, read) in zip(Self.packets, packets) {
            #expect(read.data == written.data)
            #expect(read.originalLength == written.originalLength)
            #expect(read.seconds == written.seconds)
        }
    }
}
