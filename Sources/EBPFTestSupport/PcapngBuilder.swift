/// Builds pcapng files byte by byte for tests, from the block layouts of the pcapng
/// specification (draft-ietf-opsawg-pcapng): each block is type, total length, body padded to 4
/// bytes, total length again; numbers in the byte order of the current section.
public struct PcapngBuilder: Sendable {
    /// The file so far.
    public private(set) var bytes: [UInt8] = []
    /// The byte order of the section being written.
    public private(set) var bigEndian = false

    public init() {}

    /// A Section Header Block; the blocks after it use `bigEndian` order.
    public mutating func sectionHeader(bigEndian: Bool = false, major: UInt16 = 1, minor: UInt16 = 0, options: [(code: UInt16, value: [UInt8])] = []) {
        self.bigEndian = bigEndian
        block(type: 0x0a0d_0d0a, body: word(0x1a2b_3c4d) + half(major) + half(minor) + doubleWord(UInt64.max) + encode(options))
    }

    /// An Interface Description Block (`if_tsresol` is option 9, `if_tsoffset` option 14).
    public mutating func interface(linkType: UInt16, snapLength: UInt32, options: [(code: UInt16, value: [UInt8])] = []) {
        block(type: 1, body: half(linkType) + half(0) + word(snapLength) + encode(options))
    }

    /// An Enhanced Packet Block.
    public mutating func enhancedPacket(interface: UInt32, timestamp: UInt64, data: [UInt8], originalLength: UInt32? = nil, options: [(code: UInt16, value: [UInt8])] = []) {
        let body = word(interface) + word(UInt32(truncatingIfNeeded: timestamp >> 32)) + word(UInt32(truncatingIfNeeded: timestamp))
            + word(UInt32(data.count)) + word(originalLength ?? UInt32(data.count)) + padded(data) + encode(options)
        block(type: 6, body: body)
    }

    /// A Simple Packet Block: the original length, then the packet bytes.
    public mutating func simplePacket(originalLength: UInt32, data: [UInt8]) {
        block(type: 3, body: word(originalLength) + padded(data))
    }

    /// Any block, the body padded to 4 bytes.
    public mutating func block(type: UInt32, body: [UInt8]) {
        let body = padded(body)
        let length = UInt32(12 + body.count)
        bytes += word(type) + word(length) + body + word(length)
    }

    /// Appends bytes as they are (for malformed files).
    public mutating func append(raw: [UInt8]) {
        bytes += raw
    }

    /// A 64-bit option value (`if_tsoffset`) in the section's order.
    public func optionValue(_ value: UInt64) -> [UInt8] { doubleWord(value) }

    public func half(_ value: UInt16) -> [UInt8] {
        let ordered = bigEndian ? value.bigEndian : value.littleEndian
        return withUnsafeBytes(of: ordered) { Array($0) }
    }

    public func word(_ value: UInt32) -> [UInt8] {
        let ordered = bigEndian ? value.bigEndian : value.littleEndian
        return withUnsafeBytes(of: ordered) { Array($0) }
    }

    func doubleWord(_ value: UInt64) -> [UInt8] {
        let ordered = bigEndian ? value.bigEndian : value.littleEndian
        return withUnsafeBytes(of: ordered) { Array($0) }
    }

    func padded(_ data: [UInt8]) -> [UInt8] {
        data + [UInt8](repeating: 0, count: (4 - data.count % 4) % 4)
    }

    func encode(_ options: [(code: UInt16, value: [UInt8])]) -> [UInt8] {
        guard !options.isEmpty else { return [] }
        return options.flatMap { half($0.code) + half(UInt16($0.value.count)) + padded($0.value) } + half(0) + half(0)
    }
}
