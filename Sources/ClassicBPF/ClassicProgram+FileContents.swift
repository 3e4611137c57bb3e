/// Reading a classic program from a file whose form is not declared.
extension ClassicProgram {
    /// The form a classic program file is in.
    public enum FileForm: String, Hashable, Sendable {
        /// `tcpdump -dd` text: `{ code, jt, jf, k },` lines.
        case tcpdumpDD
        /// `tcpdump -ddd` text: the count, then `code jt jf k` lines.
        case tcpdumpDDD
        /// Raw `struct sock_filter` array: 8 bytes per instruction, little-endian.
        case raw
    }

    /// Which form `bytes` are in. Raw programs always hold a zero byte (the high byte of every
    /// classic `code` is 0) and text never does, so bytes with a zero, or that are not UTF-8, are
    /// raw; text whose first instruction line starts with `{` is `-dd`, other text `-ddd`.
    public static func form(ofFileContents bytes: [UInt8]) -> FileForm {
        guard !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) else { return .raw }
        for line in text.split(separator: "\n") {
            let trimmed = String(line).trimmingSpaces
            if trimmed.isEmpty || trimmed.hasPrefix("//") || trimmed.hasPrefix("#") { continue }
            return trimmed.hasPrefix("{") ? .tcpdumpDD : .tcpdumpDDD
        }
        return .tcpdumpDDD
    }

    /// Decodes a classic program file in any of the three forms (see ``form(ofFileContents:)``).
    public init(fileContents bytes: [UInt8]) throws(ClassicDecodeError) {
        switch Self.form(ofFileContents: bytes) {
        case .raw:
            guard !bytes.isEmpty else { throw .empty }
            try self.init(decoding: bytes)
        case .tcpdumpDD: try self.init(tcpdumpDD: String(decoding: bytes, as: UTF8.self))
        case .tcpdumpDDD: try self.init(tcpdumpDDD: String(decoding: bytes, as: UTF8.self))
        }
    }
}
