/// Reads pcapng files: Section Header, Interface Description, Enhanced Packet and Simple Packet
/// blocks, in either byte order (each section has its own), with each interface's link type,
/// snap length and timestamp resolution (`if_tsresol`, `if_tsoffset`). Other blocks (name
/// resolution, statistics, custom ...) are skipped.
///
/// Malformed input gives a ``PcapError`` with the byte offset of the problem, never a trap: every
/// length is checked against the bytes present before it is used.
public struct PcapngReader: Sendable {
    /// The interfaces of the current section, in the order their blocks appeared.
    public private(set) var interfaces: [PcapngInterface] = []
    /// The byte order of the current section.
    public private(set) var byteOrder: PcapByteOrder = .littleEndian
    /// The number of Section Header Blocks read so far.
    public private(set) var sectionCount = 0
    private let bytes: [UInt8]
    private var offset = 0

    /// The block type of a Section Header Block: the first 4 bytes of every pcapng file, the same
    /// in both byte orders.
    public static let sectionHeaderType: UInt32 = 0x0a0d_0d0a
    static let byteOrderMagic: UInt32 = 0x1a2b_3c4d
    static let interfaceDescriptionType: UInt32 = 1
    static let simplePacketType: UInt32 = 3
    static let enhancedPacketType: UInt32 = 6

    /// Parses the first Section Header Block of `bytes`.
    public init(bytes: [UInt8]) throws(PcapError) {
        self.bytes = bytes
        guard bytes.count >= 4 else { throw .truncatedFileHeader(byteCount: bytes.count) }
        let type = PcapReader.word(bytes, 0, .littleEndian)
        guard type == Self.sectionHeaderType else { throw .badMagic(type) }
        let block = try nextBlock()
        try readSectionHeader(block)
    }

    /// Reads the file at `path` and parses its first section header.
    public init(contentsOf path: String) throws(PcapError) {
        try self.init(bytes: try FileBytes.read(path))
    }

    /// The next packet (from an Enhanced or Simple Packet Block) with its interface, or nil at the
    /// end of the file.
    public mutating func next() throws(PcapError) -> CaptureRecord? {
        while offset < bytes.count {
            let block = try nextBlock()
            switch block.type {
            case Self.sectionHeaderType: try readSectionHeader(block)
            case Self.interfaceDescriptionType: try readInterface(block)
            case Self.enhancedPacketType: return try readEnhancedPacket(block)
            case Self.simplePacketType: return try readSimplePacket(block)
            default: continue
            }
        }
        return nil
    }

    /// Every remaining packet.
    public mutating func readAll() throws(PcapError) -> [CaptureRecord] {
        var records: [CaptureRecord] = []
        while let record = try next() { records.append(record) }
        return records
    }

    /// Where a block's body lies: `start` is the offset of its type word, the body runs from
    /// `start + 8` up to (excluding) `end`, the offset of the trailing length.
    private struct Block {
        var type: UInt32
        var start: Int
        var length: UInt32
        var body: Int { start + 8 }
        var end: Int { start + Int(length) - 4 }
        var bodyCount: Int { end - body }
    }

    /// Reads the block at `offset` and moves past it. A Section Header Block sets the byte order
    /// first, because its own length is written in it.
    private mutating func nextBlock() throws(PcapError) -> Block {
        let start = offset
        let available = bytes.count - start
        guard available >= 12 else { throw .truncatedBlock(byteOffset: start, needed: 12, available: available) }
        let type = word(start)
        if type == Self.sectionHeaderType {
            let magic = PcapReader.word(bytes, start + 8, .littleEndian)
            if magic == Self.byteOrderMagic {
                byteOrder = .littleEndian
            } else if PcapReader.word(bytes, start + 8, .bigEndian) == Self.byteOrderMagic {
                byteOrder = .bigEndian
            } else {
                throw .badByteOrderMagic(byteOffset: start + 8, value: magic)
            }
        }
        let length = word(start + 4)
        let minimum: UInt32 = switch type {
        case Self.sectionHeaderType: 28
        case Self.interfaceDescriptionType: 20
        case Self.enhancedPacketType: 32
        case Self.simplePacketType: 16
        default: 12
        }
        guard length >= minimum, length % 4 == 0 else {
            throw .badBlockLength(byteOffset: start + 4, blockType: type, length: length)
        }
        guard Int(length) <= available else { throw .truncatedBlock(byteOffset: start, needed: Int(length), available: available) }
        let block = Block(type: type, start: start, length: length)
        let trailing = word(block.end)
        guard trailing == length else { throw .blockLengthMismatch(byteOffset: block.end, leading: length, trailing: trailing) }
        offset = start + Int(length)
        return block
    }

    private mutating func readSectionHeader(_ block: Block) throws(PcapError) {
        let major = half(block.body + 4)
        let minor = half(block.body + 6)
        guard major == 1 else { throw .unsupportedSectionVersion(byteOffset: block.body + 4, major: major, minor: minor) }
        interfaces = []
        sectionCount += 1
    }

    private mutating func readInterface(_ block: Block) throws(PcapError) {
        var interface = PcapngInterface(linkType: LinkType(rawValue: UInt32(half(block.body))), snapLength: word(block.body + 4))
        var option = block.body + 8
        // Options: code (2), length (2), value padded to 4 bytes; opt_endofopt (0) ends the list.
        while block.end - option >= 4 {
            let code = half(option)
            let length = half(option + 2)
            if code == 0 { break }
            let value = option + 4
            let padded = (Int(length) + 3) & ~3
            guard padded <= block.end - value else { throw .badOption(byteOffset: option, code: code, length: length) }
            switch code {
            case 9:  // if_tsresol
                guard length == 1 else { throw .badOption(byteOffset: option, code: code, length: length) }
                guard let resolution = PcapngTimestampResolution(optionByte: bytes[value]) else {
                    throw .unsupportedTimestampResolution(byteOffset: value, value: bytes[value])
                }
                interface.timestampResolution = resolution
            case 14:  // if_tsoffset
                guard length == 8 else { throw .badOption(byteOffset: option, code: code, length: length) }
                interface.timestampOffset = Int64(bitPattern: doubleWord(value))
            default:
                break
            }
            option = value + padded
        }
        interfaces.append(interface)
    }

    private func interface(_ index: UInt32, at byteOffset: Int) throws(PcapError) -> PcapngInterface {
        guard index < interfaces.count else { throw .unknownInterface(byteOffset: byteOffset, interface: index, count: interfaces.count) }
        return interfaces[Int(index)]
    }

    private func readEnhancedPacket(_ block: Block) throws(PcapError) -> CaptureRecord {
        let index = word(block.body)
        let interface = try interface(index, at: block.body)
        let timestamp = UInt64(word(block.body + 4)) << 32 | UInt64(word(block.body + 8))
        let captured = word(block.body + 12)
        let original = word(block.body + 16)
        let data = block.body + 20
        guard Int(captured) <= block.end - data else {
            throw .truncatedPacketData(byteOffset: data, needed: Int(captured), available: block.end - data)
        }
        let time = interface.time(ofTimestamp: timestamp)
        let packet = PcapPacket(
            seconds: time.seconds, nanoseconds: time.nanoseconds, data: Array(bytes[data..<(data + Int(captured))]),
            originalLength: original)
        return CaptureRecord(packet: packet, linkType: interface.linkType, snapLength: interface.snapLength, interface: Int(index))
    }

    /// A Simple Packet Block belongs to interface 0 and has no timestamp; its captured length is
    /// the original length cut to the interface's snap length and to the block.
    private func readSimplePacket(_ block: Block) throws(PcapError) -> CaptureRecord {
        let interface = try interface(0, at: block.body)
        let original = word(block.body)
        var captured = min(Int(original), block.end - block.body - 4)
        if interface.snapLength != 0 { captured = min(captured, Int(interface.snapLength)) }
        let data = block.body + 4
        let packet = PcapPacket(data: Array(bytes[data..<(data + captured)]), originalLength: original)
        return CaptureRecord(packet: packet, linkType: interface.linkType, snapLength: interface.snapLength, interface: 0)
    }

    private func word(_ at: Int) -> UInt32 { PcapReader.word(bytes, at, byteOrder) }

    private func half(_ at: Int) -> UInt16 { UInt16(truncatingIfNeeded: PcapReader.half(bytes, at, byteOrder)) }

    private func doubleWord(_ at: Int) -> UInt64 {
        // Two 32-bit words in the section's order, the more significant one first in big-endian files.
        let first = UInt64(word(at)), second = UInt64(word(at + 4))
        return byteOrder == .littleEndian ? second << 32 | first : first << 32 | second
    }
}
