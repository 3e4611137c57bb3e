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
    /// pcapng: the file ends inside a block (`needed` bytes from `byteOffset`, where the block starts).
    case truncatedBlock(byteOffset: Int, needed: Int, available: Int)
    /// pcapng: a block's total length (at `byteOffset`) is below the minimum for its type or not a
    /// multiple of 4.
    case badBlockLength(byteOffset: Int, blockType: UInt32, length: UInt32)
    /// pcapng: the copy of the total length at the end of a block (at `byteOffset`) differs from
    /// the one at its start.
    case blockLengthMismatch(byteOffset: Int, leading: UInt32, trailing: UInt32)
    /// pcapng: a Section Header Block whose byte-order magic (at `byteOffset`) is not 0x1a2b3c4d
    /// in either order.
    case badByteOrderMagic(byteOffset: Int, value: UInt32)
    /// pcapng: a section whose major version (at `byteOffset`) is not 1.
    case unsupportedSectionVersion(byteOffset: Int, major: UInt16, minor: UInt16)
    /// pcapng: a packet block (interface ID at `byteOffset`) names an interface its section has not
    /// described.
    case unknownInterface(byteOffset: Int, interface: UInt32, count: Int)
    /// pcapng: an option (starting at `byteOffset`) whose length runs past its block or does not
    /// fit its code.
    case badOption(byteOffset: Int, code: UInt16, length: UInt16)
    /// pcapng: an `if_tsresol` value (at `byteOffset`) whose units per second do not fit 64 bits.
    case unsupportedTimestampResolution(byteOffset: Int, value: UInt8)

    public var description: String {
        switch self {
        case .io(let path, let call, let errno): "\(path): \(call) failed (errno \(errno))"
        case .truncatedFileHeader(let byteCount): "pcap file of \(byteCount) bytes has no complete 24-byte header"
        case .badMagic(let magic): "not a pcap or pcapng file: magic 0x\(String(magic, radix: 16)) at byte offset 0"
        case .unsupportedVersion(let major, let minor): "unsupported pcap version \(major).\(minor) at byte offset 4"
        case .truncatedRecordHeader(let byteOffset): "truncated record header at byte offset \(byteOffset)"
        case .truncatedPacketData(let byteOffset, let needed, let available):
            "truncated packet data at byte offset \(byteOffset): \(needed) bytes needed, \(available) available"
        case .capturedLengthTooLarge(let byteOffset, let length):
            "record at byte offset \(byteOffset) claims \(length) captured bytes"
        case .truncatedBlock(let byteOffset, let needed, let available):
            "truncated pcapng block at byte offset \(byteOffset): \(needed) bytes needed, \(available) available"
        case .badBlockLength(let byteOffset, let blockType, let length):
            "pcapng block of type 0x\(String(blockType, radix: 16)) has bad length \(length) at byte offset \(byteOffset)"
        case .blockLengthMismatch(let byteOffset, let leading, let trailing):
            "pcapng block length \(trailing) at byte offset \(byteOffset) differs from the leading length \(leading)"
        case .badByteOrderMagic(let byteOffset, let value):
            "pcapng byte-order magic 0x\(String(value, radix: 16)) at byte offset \(byteOffset) is not 0x1a2b3c4d"
        case .unsupportedSectionVersion(let byteOffset, let major, let minor):
            "unsupported pcapng version \(major).\(minor) at byte offset \(byteOffset)"
        case .unknownInterface(let byteOffset, let interface, let count):
            "pcapng packet at byte offset \(byteOffset) names interface \(interface) but the section describes \(count)"
        case .badOption(let byteOffset, let code, let length):
            "pcapng option \(code) of length \(length) at byte offset \(byteOffset) does not fit its block or its code"
        case .unsupportedTimestampResolution(let byteOffset, let value):
            "pcapng if_tsresol 0x\(String(value, radix: 16)) at byte offset \(byteOffset) is finer than 64-bit timestamps can count"
        }
    }
}
