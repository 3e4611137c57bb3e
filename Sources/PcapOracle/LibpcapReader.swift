import CPcap
import ClassicBPF

/// Reads a capture file with libpcap (`pcap_open_offline`, `pcap_next_ex`): the oracle for
/// ``PcapWriter``'s output.
public enum LibpcapReader {
    /// `PCAP_ERRBUF_SIZE`.
    private static let errorBufferSize = 256
    /// `PCAP_TSTAMP_PRECISION_NANO`: timestamps in nanoseconds whatever the file holds.
    private static let nanosecondPrecision: UInt32 = 1

    /// Every packet of the file and its link type, or why libpcap could not read it.
    public static func readAll(path: String) -> Result<(linkType: LinkType, packets: [PcapPacket]), LibpcapReadError> {
        let pcap: Libpcap
        do {
            pcap = try Libpcap.shared()
        } catch {
            return .failure(.libpcapUnavailable(error))
        }
        var errorBuffer = [CChar](repeating: 0, count: errorBufferSize)
        guard let handle = pcap.openOffline(path, nanosecondPrecision, &errorBuffer) else {
            let message = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .failure(.cannotRead(path: path, message: message))
        }
        defer { pcap.close(handle) }
        var packets: [PcapPacket] = []
        var header: UnsafeMutablePointer<cpcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        while pcap.nextPacket(handle, &header, &data) == 1, let header, let data {
            let bytes = Array(UnsafeBufferPointer(start: data, count: Int(header.pointee.caplen)))
            packets.append(PcapPacket(
                seconds: UInt32(truncatingIfNeeded: header.pointee.ts.tv_sec), nanoseconds: UInt32(truncatingIfNeeded: header.pointee.ts.tv_usec),
                data: bytes, originalLength: header.pointee.len))
        }
        return .success((LinkType(rawValue: UInt32(bitPattern: pcap.dataLink(handle))), packets))
    }
}
