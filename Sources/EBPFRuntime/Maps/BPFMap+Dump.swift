extension BPFMap {
    /// The map's contents as text, one element a line (`key: 06 00 00 00  value: 03 00 ...`), for
    /// `ebpf map dump`. Ring buffers show how many bytes are waiting (dumping does not consume).
    public func dump() throws(MapError) -> [String] {
        var lines = ["\(name.isEmpty ? "<unnamed>" : name): \(definition.type) key \(definition.keySize) B, value \(definition.valueSize) B, max_entries \(definition.maxEntries)"]
        if let ring = self as? RingBufferMap {
            lines.append("  \(ring.pendingBytes) bytes of records waiting")
            return lines
        }
        for entry in try entries() {
            lines.append("  key: \(Self.hex(entry.key))  value: \(Self.hex(entry.value))")
        }
        return lines
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: " ")
    }
}
