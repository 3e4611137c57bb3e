import ClassicBPF

/// A whole capture file read into memory, with the one link type its packets share.
struct CaptureContents {
    let records: [CaptureRecord]
    let linkType: LinkType
    /// The largest snap length of the interfaces (0: no limit).
    let snapLength: UInt32
    /// The header `-w` writes: the input's own for a classic pcap file (same byte order and
    /// timestamp precision), otherwise little-endian with nanosecond timestamps.
    let outputHeader: PcapHeader

    init(path: String) throws {
        var reader: CaptureReader
        do {
            reader = try CaptureReader(contentsOf: path)
            records = try reader.readAll()
        } catch .io(let path, let call, let errno) {
            throw CommandFailure("\(PcapError.io(path: path, call: call, errno: errno))")
        } catch {
            throw CommandFailure("\(path): \(error)")
        }
        let types = records.reduce(into: [LinkType]()) { types, record in
            if !types.contains(record.linkType) { types.append(record.linkType) }
        }
        guard types.count <= 1 else {
            throw CommandFailure(
                "\(path): packets of link types \(types.map { String($0.rawValue) }.joined(separator: ", ")); one filter cannot read them all")
        }
        linkType = types.first ?? reader.pcapHeader?.linkType ?? .ethernet
        snapLength = records.contains { $0.snapLength == 0 } ? 0 : records.map(\.snapLength).max() ?? reader.pcapHeader?.snapLength ?? 0
        outputHeader = reader.pcapHeader
            ?? PcapHeader(linkType: linkType, snapLength: snapLength == 0 ? 262_144 : snapLength, precision: .nanoseconds)
    }
}
