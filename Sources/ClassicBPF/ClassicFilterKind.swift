/// What a classic program filters, which decides what its loads read and which instructions
/// it may use.
public enum ClassicFilterKind: Hashable, Sendable, CaseIterable {
    /// A socket filter, as the kernel runs it: the context is the packet itself (R1 = first
    /// byte, R2 = length), `len` is the number of bytes there, and the result is how many bytes
    /// of the packet to keep (0 = drop).
    case socketFilter
    /// A filter over a captured packet that may have been cut short, as libpcap's `bpf_filter`
    /// runs it: the context is a ``CapturedPacketLayout``, a 4-byte little-endian wire length
    /// followed by the captured bytes. `len` is the wire length while loads only reach the
    /// captured bytes. Otherwise as ``socketFilter``.
    case capturedPacket
    /// A seccomp filter: the context is a 64-byte ``SeccompData`` record, `LD ABS` reads its
    /// 32-bit words in host byte order, and the result is a ``SeccompAction`` value.
    case seccomp
}

/// The context layout of ``ClassicFilterKind/capturedPacket``: the wire length as a 4-byte
/// little-endian word, then the captured bytes. A classic pcap record header ends with exactly
/// that word, so a little-endian capture can be filtered in place.
public enum CapturedPacketLayout {
    /// Bytes before the first packet byte.
    public static let headerSize = 4

    /// Builds the context for one packet.
    public static func context(captured: some Collection<UInt8>, wireLength: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headerSize + captured.count)
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: wireLength >> UInt32(shift))) }
        bytes.append(contentsOf: captured)
        return bytes
    }
}
