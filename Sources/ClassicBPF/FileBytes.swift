#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and writes through the C library, errors as ``PcapError/io(path:call:errno:)``.
enum FileBytes {
    /// Reads the whole file (`fopen`/`fread`).
    static func read(_ path: String) throws(PcapError) -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw .io(path: path, call: "fopen", errno: errno) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            bytes.append(contentsOf: chunk[0..<count])
            if count < chunk.count {
                if ferror(file) != 0 { throw .io(path: path, call: "fread", errno: errno) }
                return bytes
            }
        }
    }

    /// Writes `bytes` to `path`, replacing it (`fopen`/`fwrite`).
    static func write(_ bytes: [UInt8], to path: String) throws(PcapError) {
        guard let file = fopen(path, "wb") else { throw .io(path: path, call: "fopen", errno: errno) }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let failure = errno
        guard fclose(file) == 0, written == bytes.count else { throw .io(path: path, call: "fwrite", errno: failure) }
    }
}
