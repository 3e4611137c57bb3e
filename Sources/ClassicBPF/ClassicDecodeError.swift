/// Why bytes or text do not encode a classic BPF program. Every case says where decoding stopped.
public enum ClassicDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The byte count is not a multiple of 8; `byteOffset` is where the incomplete instruction starts.
    case truncated(byteOffset: Int, byteCount: Int)
    /// A line of `tcpdump -dd` / `-ddd` text is not an instruction (line numbers start at 1).
    case malformedLine(line: Int, text: String, reason: String)
    /// A field does not fit its width (`code` 16 bits, `jt`/`jf` 8 bits, `k` 32 bits).
    case fieldOutOfRange(line: Int, field: String, value: String)
    /// The count on the first line of `tcpdump -ddd` text disagrees with the instructions that follow.
    case countMismatch(declared: Int, found: Int)
    /// The text holds no instruction at all.
    case empty

    public var description: String {
        switch self {
        case .truncated(let byteOffset, let byteCount):
            "truncated classic BPF program: \(byteCount) bytes is not a whole number of 8-byte instructions (incomplete instruction at byte offset \(byteOffset))"
        case .malformedLine(let line, let text, let reason):
            "line \(line): \(reason): '\(text)'"
        case .fieldOutOfRange(let line, let field, let value):
            "line \(line): \(field) value \(value) does not fit the field"
        case .countMismatch(let declared, let found):
            "the first line declares \(declared) instructions but \(found) follow"
        case .empty:
            "no classic BPF instructions in the text"
        }
    }
}
