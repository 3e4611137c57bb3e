/// Reads a capture file in either format, told apart by the first four bytes: classic pcap
/// (``PcapReader``) or pcapng (``PcapngReader``).
public struct CaptureReader: Sendable {
    /// The two file formats.
    public enum Format: String, Hashable, Sendable {
        case pcap, pcapng
    }

    private enum Source: Sendable {
        case pcap(PcapReader)
        case pcapng(PcapngReader)
    }

    private var source: Source

    /// The format the magic number gave.
    public var format: Format {
        switch source {
        case .pcap: .pcap
        case .pcapng: .pcapng
        }
    }

    /// The file header of a classic pcap file; nil for pcapng.
    public var pcapHeader: PcapHeader? {
        switch source {
        case .pcap(let reader): reader.header
        case .pcapng: nil
        }
    }

    /// Parses the file header (pcap) or first section header (pcapng) of `bytes`.
    public init(bytes: [UInt8]) throws(PcapError) {
        if bytes.count >= 4, PcapReader.word(bytes, 0, .littleEndian) == PcapngReader.sectionHeaderType {
            source = .pcapng(try PcapngReader(bytes: bytes))
        } else {
            source = .pcap(try PcapReader(bytes: bytes))
        }
    }

    /// Reads the file at `path` and parses its header.
    public init(contentsOf path: String) throws(PcapError) {
        try self.init(bytes: try FileBytes.read(path))
    }

    /// The next packet with its link type, or nil at the end of the file.
    public mutating func next() throws(PcapError) -> CaptureRecord? {
        switch source {
        case .pcap(var reader):
            let packet = try reader.next()
            source = .pcap(reader)
            return packet.map { CaptureRecord(packet: $0, linkType: reader.header.linkType, snapLength: reader.header.snapLength) }
        case .pcapng(var reader):
            let record = try reader.next()
            source = .pcapng(reader)
            return record
        }
    }

    /// Every remaining packet.
    public mutating func readAll() throws(PcapError) -> [CaptureRecord] {
        var records: [CaptureRecord] = []
        while let record = try next() { records.append(record) }
        return records
    }
}
