/// Bounds-checked little-endian reads from a byte range of a file. Offsets are absolute file
/// offsets, so errors name the position in the file; every read outside the range throws
/// ``ELFError/truncated(offset:count:)``.
struct ByteReader {
    let bytes: [UInt8]
    /// The readable range `[start, end)` of `bytes`.
    let start: Int
    let end: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        start = 0
        end = bytes.count
    }

    private init(bytes: [UInt8], start: Int, end: Int) {
        self.bytes = bytes
        self.start = start
        self.end = end
    }

    /// The reader limited to `count` bytes at `offset`.
    func slice(offset: Int, count: Int) throws(ELFError) -> ByteReader {
        try check(offset, count)
        return ByteReader(bytes: bytes, start: offset, end: offset + count)
    }

    func check(_ offset: Int, _ count: Int) throws(ELFError) {
        guard count >= 0, offset >= start, offset <= end, end - offset >= count else {
            // A wild offset (from a corrupt field) is reported where the readable range ends,
            // so every error offset lies inside the file.
            throw .truncated(offset: min(max(offset, 0), end), count: count)
        }
    }

    func u8(_ offset: Int) throws(ELFError) -> UInt8 {
        try check(offset, 1)
        return bytes[offset]
    }

    func u16(_ offset: Int) throws(ELFError) -> UInt16 {
        try check(offset, 2)
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    func u32(_ offset: Int) throws(ELFError) -> UInt32 {
        try check(offset, 4)
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[offset + index]) << (8 * UInt32(index)) }
        return value
    }

    func u64(_ offset: Int) throws(ELFError) -> UInt64 {
        try check(offset, 8)
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        return value
    }

    /// A 64-bit field that must fit an `Int` file offset or size (else the file is bogus).
    func size(_ offset: Int) throws(ELFError) -> Int {
        let value = try u64(offset)
        guard value <= UInt64(Int32.max) else { throw .unsupported(offset: offset, reason: "size or offset \(value) is too large") }
        return Int(value)
    }

    func bytes(_ offset: Int, count: Int) throws(ELFError) -> [UInt8] {
        try check(offset, count)
        return Array(bytes[offset..<offset + count])
    }

    /// The NUL-terminated string at `offset`, which must end inside the range.
    func cString(_ offset: Int) throws(ELFError) -> String {
        guard offset >= start, offset < end else { throw .invalidString(offset: min(max(offset, start), end)) }
        var index = offset
        while index < end, bytes[index] != 0 { index += 1 }
        guard index < end else { throw .invalidString(offset: offset) }
        return String(decoding: bytes[offset..<index], as: UTF8.self)
    }
}
