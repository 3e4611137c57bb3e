/// Reads classic pcap files: both byte orders, microsecond and nanosecond timestamps.
///
/// The reader holds the whole file and hands out packets one by one with ``next()``.
public struct PcapReader: Sendable {
    /// The file header.
    public let header: PcapHeader
    private let bytes: [UInt8]
    private var offset = PcapHeader.byteCount

    /// The largest captured length accepted unless the header's snap length is larger
    /// (libpcap's limit for most link types).
    public static let defaultMaxCapturedLength: UInt32 = 262_144

    /// Parses the file header of `bytes`.
    public init(bytes: [UInt8]) throws(PcapError) {
        guard bytes.count >= PcapHeader.byteCount else { throw .truncatedFileHeader(byteCount: bytes.count) }
        let little = Self.word(bytes, 0, .littleEndian)
        let byteOrder: PcapByteOrder
        let precision: PcapPrecision
        switch (little, Self.word(bytes, 0, .bigEndian)) {
        case (PcapPrecision.microseconds.magic, _): (byteOrder, precision) = (.littleEndian, .microseconds)
        case (PcapPrecision.nanoseconds.magic, _): (byteOrder, precision) = (.littleEndian, .nanoseconds)
        case (_, PcapPrecision.microseconds.magic): (byteOrder, precision) = (.bigEndian, .microseconds)
        case (_, PcapPrecision.nanoseconds.magic): (byteOrder, precision) = (.bigEndian, .nanoseconds)
        default: throw .badMagic(little)
        }
        let major = UInt16(truncatingIfNeeded: Self.half(bytes, 4, byteOrder))
        let minor = UInt16(truncatingIfNeeded: Self.half(bytes, 6, byteOrder))
        guard major == 2 else { throw .unsupportedVersion(major: major, minor: minor) }
        var header = PcapHeader(
            linkType: LinkType(rawValue: Self.word(bytes, 20, byteOrder) & 0x0fff_ffff),
            snapLength: Self.word(bytes, 16, byteOrder), precision: precision, byteOrder: byteOrder)
        header.versionMajor = major
        header.versionMinor = minor
        self.header = header
        self.bytes = bytes
    }

    /// Reads the file at `path` and parses its header.
    public init(contentsOf path: String) throws(PcapError) {
        try self.init(bytes: try FileBytes.read(path))
    }

    /// The next packet, or nil at the end of the file.
    public mutating func next() throws(PcapError) -> PcapPacket? {
        guard offset < bytes.count else { return nil }
        let recordOffset = offset
        guard bytes.count - offset >= PcapHeader.recordHeaderByteCount else { throw .truncatedRecordHeader(byteOffset: offset) }
        let order = header.byteOrder
        let seconds = Self.word(bytes, offset, order)
        let fraction = Self.word(bytes, offset + 4, order)
        let capturedLength = Self.word(bytes, offset + 8, order)
        let originalLength = Self.word(bytes, offset + 12, order)
        guard capturedLength <= max(header.snapLength, Self.defaultMaxCapturedLength) else {
            throw .capturedLengthTooLarge(byteOffset: recordOffset, length: capturedLength)
        }
        let dataOffset = offset + PcapHeader.recordHeaderByteCount
        guard bytes.count - dataOffset >= Int(capturedLength) else {
            throw .truncatedPacketData(byteOffset: dataOffset, needed: Int(capturedLength), available: bytes.count - dataOffset)
        }
        offset = dataOffset + Int(capturedLength)
        let nanoseconds = header.precision == .microseconds ? fraction &* 1000 : fraction
        return PcapPacket(
            seconds: seconds, nanoseconds: nanoseconds, data: Array(bytes[dataOffset..<offset]), originalLength: originalLength)
    }

    /// Every remaining packet.
    public mutating func readAll() throws(PcapError) -> [PcapPacket] {
        var packets: [PcapPacket] = []
        while let packet = try next() { packets.append(packet) }
        return packets
    }

    static func word(_ bytes: [UInt8], _ offset: Int, _ order: PcapByteOrder) -> UInt32 {
        var value: UInt32 = 0
        for i in 0..<4 {
            let byte = UInt32(bytes[offset + i])
            value |= order == .littleEndian ? byte << (8 * UInt32(i)) : byte << (8 * UInt32(3 - i))
        }
        return value
    }

    static func half(_ bytes: [UInt8], _ offset: Int, _ order: PcapByteOrder) -> UInt32 {
        order == .littleEndian
            ? UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
            : UInt32(bytes[offset]) << 8 | UInt32(bytes[offset + 1])
    }
}
