/// Why a capture file could not be read or written. Format errors carry the byte offset at
/// which the problem starts.
public enum PcapError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The operating system refused: `call` is the failing C function, `errno` its error number.
    case io(path: String, call: String, errno: Int32)
    /// Fewer than 24 bytes: no complete file header.
    case truncatedFileHeader(byteCount: Int)
    /// The first 4 bytes are not a pcap magic number in either byte order.
    case badMagic(UInt32)
    /// A major version other than 2.
    case unsupportedVersion(major: UInt16, minor: UInt16)
    /// The file ends inside a 16-byte record header.
    case truncatedRecordHeader(byteOffset: Int)
    /// The file ends inside a packet's captured bytes.
    case truncatedPacketData(byteOffset: Int, needed: Int, available: Int)
    /// A record claims more captured bytes than any capture could hold.
    case capturedLengthTooLarge(byteOffset: Int, length: UInt32)

    public var description: String {
        switch self {
        case .io(let path, let call, let errno): "\(path): \(call) failed (errno \(errno))"
        case .truncatedFileHeader(let byteCount): "pcap file of \(byteCount) bytes has no complete 24-byte header"
        case .badMagic(let magic): "not a pcap file: magic 0x\(String(magic, radix: 16)) at byte offset 0"
        case .unsupportedVersion(let major, let minor): "unsupported pcap version \(major).\(minor) at byte offset 4"
        case .truncatedRecordHeader(let byteOffset): "truncated record header at byte offset \(byteOffset)"
        case .truncatedPacketData(let byteOffset, let needed, let available):
            "truncated packet data at byte offset \(byteOffset): \(needed) bytes needed, \(available) available"
        case .capturedLengthTooLarge(let byteOffset, let length):
            "record at byte offset \(byteOffset) claims \(length) captured bytes"
        }
    }
}
