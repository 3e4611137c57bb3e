import ClassicBPF
import EBPFProgramGenerator

/// Generates synthetic Ethernet captures from a fixed seed, for filter tests and benchmarks:
/// IPv4 (with and without options, fragments), IPv6 (with hop-by-hop and fragment extension
/// headers), TCP, UDP, ICMP, ICMPv6, ARP, 802.1Q and 802.1ad VLAN tags, LLC frames, unknown
/// EtherTypes, runts, and packets cut short by a snap length.
///
/// Addresses and ports come from small pools so that filters such as `host 10.0.0.1` or
/// `port 80` match a fair share of the packets. Checksums are not computed (filters do not
/// read them).
public struct CaptureGenerator: Sendable {
    private var random: SplitMix64

    public init(seed: UInt64) {
        random = SplitMix64(seed: seed)
    }

    /// The IPv4 addresses packets use (`10.0.0.1` ... and a few others).
    public static let ipv4Addresses: [[UInt8]] = [
        [10, 0, 0, 1], [10, 0, 0, 2], [10, 0, 1, 7], [192, 168, 1, 1], [192, 168, 1, 20], [8, 8, 8, 8], [172, 16, 5, 4], [224, 0, 0, 251],
    ]
    /// The IPv6 addresses packets use.
    public static let ipv6Addresses: [[UInt8]] = [
        [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1],
        [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [2],
        [0xfe, 0x80] + Array(repeating: 0, count: 13) + [0x42],
        [0xff, 0x02] + Array(repeating: 0, count: 13) + [1],
    ]
    /// The MAC addresses packets use (the last is broadcast).
    public static let macAddresses: [[UInt8]] = [
        [0x02, 0, 0, 0, 0, 1], [0x02, 0, 0, 0, 0, 2], [0x00, 0x1b, 0x21, 0x3c, 0x4d, 0x5e], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    ]
    /// The ports TCP and UDP packets use.
    public static let ports: [UInt16] = [80, 443, 22, 53, 123, 8080, 1024, 40000, 67, 68]

    /// `count` packets, one microsecond apart.
    public mutating func packets(count: Int) -> [PcapPacket] {
        (0..<count).map { index in
            var packet = nextPacket()
            packet.seconds = 1_700_000_000 + UInt32(index / 1_000_000)
            packet.nanoseconds = UInt32(index % 1_000_000) * 1000
            return packet
        }
    }

    /// One packet, possibly cut short.
    public mutating func nextPacket() -> PcapPacket {
        let frame = nextFrame()
        let roll = below(100)
        if roll < 8, !frame.isEmpty {
            // Cut anywhere, including inside the link-layer header.
            return PcapPacket(data: Array(frame.prefix(below(frame.count))), originalLength: UInt32(frame.count))
        }
        if roll < 14, frame.count > 54 {
            // A typical snap length cut.
            let snap = [54, 60, 64, 68, 96][below(5)]
            return PcapPacket(data: Array(frame.prefix(snap)), originalLength: UInt32(frame.count))
        }
        return PcapPacket(data: frame)
    }

    private mutating func nextFrame() -> [UInt8] {
        var frame = pick(Self.macAddresses) + pick(Array(Self.macAddresses.dropLast()))
        // VLAN tags: none, 802.1Q, or 802.1ad + 802.1Q.
        let tagRoll = below(10)
        if tagRoll >= 7 {
            if tagRoll == 9 { frame += be16(0x88a8) + be16(UInt16(below(4096))) }
            frame += be16(0x8100) + be16(UInt16(below(8)) << 13 | [1, 10, 100, 200][below(4)])
        }
        switch below(100) {
        case 0..<45: frame += be16(0x0800) + ipv4Packet()
        case 45..<70: frame += be16(0x86dd) + ipv6Packet()
        case 70..<80: frame += be16(0x0806) + arpPacket()
        case 80..<85:
            // 802.3 length field + LLC (spanning tree BPDU or SNAP).
            let payload: [UInt8] = below(2) == 0 ? [0x42, 0x42, 0x03] + bytes(35) : [0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00] + bytes(30)
            frame += be16(UInt16(payload.count)) + payload
        case 85..<92: frame += be16([0x88cc, 0x8863, 0x8864, 0x88e5, 0x9000][below(5)]) + bytes(below(60))
        default:
            // A runt: the frame ends right after (or inside) the EtherType.
            frame += be16(0x0800).prefix(below(3))
        }
        return frame
    }

    private mutating func transport(_ protocolNumber: UInt8, icmpType: UInt8) -> [UInt8] {
        switch protocolNumber {
        case 6:
            let flags = UInt16([0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x29][below(7)])
            return be16(pick(Self.ports)) + be16(pick(Self.ports)) + bytes(8) + be16(0x5000 | flags) + be16(65535) + bytes(4)
                + bytes(below(40))
        case 17:
            let payload = bytes(below(60))
            return be16(pick(Self.ports)) + be16(pick(Self.ports)) + be16(UInt16(8 + payload.count)) + bytes(2) + payload
        default:
            return [icmpType, UInt8(below(4))] + bytes(6 + below(30))
        }
    }

    private mutating func ipv4Packet() -> [UInt8] {
        let protocolNumber: UInt8 = [6, 6, 17, 17, 1, 47, 132][below(7)]
        let optionWords = below(5) == 0 ? 1 + below(3) : 0
        var fragment: UInt16 = below(4) == 0 ? 0x4000 : 0  // DF
        let fragmentRoll = below(10)
        if fragmentRoll == 0 { fragment = 0x2000 }  // first fragment, MF
        if fragmentRoll == 1 { fragment = UInt16(1 + below(200)) | (below(2) == 0 ? 0x2000 : 0) }  // later fragment
        let payload = transport(protocolNumber, icmpType: [0, 8, 3, 11][below(4)])
        let headerLength = 20 + 4 * optionWords
        var header = [UInt8(0x40 | (headerLength / 4)), UInt8(below(4) << 2)]
        header += be16(UInt16(headerLength + payload.count)) + be16(UInt16(below(65536))) + be16(fragment)
        header += [UInt8(1 + below(128)), protocolNumber] + bytes(2)
        header += pick(Self.ipv4Addresses) + pick(Self.ipv4Addresses)
        header += [UInt8](repeating: 1, count: 4 * optionWords)  // NOP options
        return header + payload
    }

    private mutating func ipv6Packet() -> [UInt8] {
        let protocolNumber: UInt8 = [6, 6, 17, 17, 58][below(5)]
        var payload = transport(protocolNumber, icmpType: [128, 129, 135, 136][below(4)])
        var nextHeader = protocolNumber
        switch below(8) {
        case 0:
            payload = [nextHeader, 0, 1, 4, 0, 0, 0, 0] + payload  // hop-by-hop with PadN
            nextHeader = 0
        case 1:
            payload = [nextHeader, 0] + be16(UInt16(below(2)) << 3 | UInt16(below(2))) + bytes(4) + payload  // fragment
            nextHeader = 44
        default:
            break
        }
        return [0x60, 0, 0, 0] + be16(UInt16(payload.count)) + [nextHeader, 64]
            + pick(Self.ipv6Addresses) + pick(Self.ipv6Addresses) + payload
    }

    private mutating func arpPacket() -> [UInt8] {
        be16(1) + be16(0x0800) + [6, 4] + be16(UInt16(1 + below(2)))
            + pick(Self.macAddresses) + pick(Self.ipv4Addresses) + pick(Self.macAddresses) + pick(Self.ipv4Addresses)
    }

    private mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }

    private mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }

    /// A value in `0..<bound` by remainder (not ``SplitMix64/below(_:)``'s multiply-high
    /// reduction), so that a seed keeps naming the captures it named before the generator was
    /// shared.
    private mutating func below(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }

    private func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xff)] }
}
