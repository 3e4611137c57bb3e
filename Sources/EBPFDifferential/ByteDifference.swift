/// Where two byte buffers of the same length differ.
public struct ByteDifference: Hashable, Sendable, CustomStringConvertible {
    /// Offset of the first differing byte.
    public let firstOffset: Int
    /// Offset of the last differing byte.
    public let lastOffset: Int
    /// How many bytes differ.
    public let differingByteCount: Int
    /// Offset of the first byte of ``reference`` and ``candidate`` in the buffer.
    public let excerptStart: Int
    /// Up to 16 bytes of each side, starting at ``excerptStart``.
    public let reference: [UInt8]
    public let candidate: [UInt8]

    /// The difference between `reference` and `candidate` (same length), or `nil` if equal.
    public init?(reference referenceBytes: [UInt8], candidate candidateBytes: [UInt8]) {
        precondition(referenceBytes.count == candidateBytes.count, "buffers must have the same length")
        var first = -1
        var last = -1
        var count = 0
        for index in referenceBytes.indices where referenceBytes[index] != candidateBytes[index] {
            if first < 0 { first = index }
            last = index
            count += 1
        }
        guard first >= 0 else { return nil }
        firstOffset = first
        lastOffset = last
        differingByteCount = count
        excerptStart = first & ~7
        let end = min(referenceBytes.count, excerptStart + 16)
        reference = Array(referenceBytes[excerptStart..<end])
        candidate = Array(candidateBytes[excerptStart..<end])
    }

    public var description: String {
        "\(differingByteCount) byte(s) differ in offsets \(firstOffset)...\(lastOffset); from offset \(excerptStart): "
            + "reference [\(Self.hex(reference))] candidate [\(Self.hex(candidate))]"
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: " ")
    }
}
