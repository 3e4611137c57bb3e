/// Builds Ethernet frames for the example programs: an Ethernet header, optionally an IPv4
/// header (20 bytes, no options) and the first bytes of a TCP or UDP header.
enum Packets {
    static func ethernet(type: UInt16, payload: [UInt8]) -> [UInt8] {
        let destination: [UInt8] = [0x02, 0, 0, 0, 0, 1]
        let source: [UInt8] = [0x02, 0, 0, 0, 0, 2]
        return destination + source + [UInt8(type >> 8), UInt8(type & 0xff)] + payload
    }

    static func ipv4(protocol number: UInt8, payload: [UInt8]) -> [UInt8] {
        let totalLength = UInt16(20 + payload.count)
        var header: [UInt8] = [0x45, 0, UInt8(totalLength >> 8), UInt8(totalLength & 0xff), 0, 0, 0x40, 0, 64, number, 0, 0]
        header += [10, 0, 0, 1, 10, 0, 0, 2]
        return ethernet(type: 0x0800, payload: header + payload)
    }

    /// TCP (6) or UDP (17) with the given destination port, plus padding.
    static func transport(protocol number: UInt8, sourcePort: UInt16 = 40000, destinationPort: UInt16) -> [UInt8] {
        let ports: [UInt8] = [UInt8(sourcePort >> 8), UInt8(sourcePort & 0xff), UInt8(destinationPort >> 8), UInt8(destinationPort & 0xff)]
        return ipv4(protocol: number, payload: ports + [UInt8](repeating: 0, count: 16))
    }

    static func arp() -> [UInt8] {
        ethernet(type: 0x0806, payload: [UInt8](repeating: 0, count: 28))
    }
}
