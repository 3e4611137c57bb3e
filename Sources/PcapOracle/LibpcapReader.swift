#if Libpcap
import CPcap
import ClassicBPF

/// Reads a capture file with libpcap (`pcap_open_offline`, `pcap_next_ex`): the oracle for
/// ``PcapWriter``'s output.
public enum LibpcapReader {
    /// Every packet of the file and its link type, or libpcap's error text.
    public static func readAll(path: String) -> Result<(linkType: LinkType, packets: [PcapPacket]), PcapCompileError> {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let handle = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errorBuffer) else {
            return .failure(PcapCompileError(expression: path, message: String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)))
        }
        defer { pcap_close(handle) }
        var packets: [PcapPacket] = []
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        while pcap_next_ex(handle, &header, &data) == 1, let header, let data {
            let bytes = Array(UnsafeBufferPointer(start: data, count: Int(header.pointee.caplen)))
            packets.append(PcapPacket(
                seconds: UInt32(truncatingIfNeeded: header.pointee.ts.tv_sec), nanoseconds: UInt32(truncatingIfNeeded: header.pointee.ts.tv_usec),
                data: bytes, originalLength: header.pointee.len))
        }
        return .success((LinkType(rawValue: UInt32(pcap_datalink(handle))), packets))
    }
}
#endif
