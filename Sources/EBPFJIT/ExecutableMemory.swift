import Glibc

/// Machine code in its own pages, readable and executable but never writable and executable at
/// the same time (W^X): the pages are mapped read-write, filled, then switched to read-execute.
///
/// The bytes after the code up to the end of the last page are `int3` (0xcc), so a stray jump
/// past the end stops at a breakpoint instead of running leftovers. The mapping is released
/// (`munmap`) when the value is destroyed.
public struct ExecutableMemory: ~Copyable, @unchecked Sendable {
    /// Start of the mapping (page-aligned); the code's first byte.
    public let baseAddress: UnsafeRawPointer
    /// Bytes mapped: the code size rounded up to whole pages.
    public let mappedSize: Int
    /// Bytes of code (the rest of the mapping is `int3`).
    public let codeSize: Int

    /// Maps `code` into fresh executable pages.
    public init(code: [UInt8]) throws(JITError) {
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let size = max(pageSize, (code.count + pageSize - 1) / pageSize * pageSize)
        let pointer = try Self.mapReadWrite(size: size)
        let bytes = pointer.bindMemory(to: UInt8.self, capacity: size)
        code.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { bytes.update(from: base, count: code.count) }
        }
        (bytes + code.count).initialize(repeating: 0xcc, count: size - code.count)
        do {
            try Self.protectReadExecute(pointer, size: size)
        } catch {
            munmap(pointer, size)
            throw error
        }
        self.baseAddress = UnsafeRawPointer(pointer)
        self.mappedSize = size
        self.codeSize = code.count
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: baseAddress), mappedSize)
    }

    /// The code bytes (a copy).
    public var code: [UInt8] {
        Array(UnsafeRawBufferPointer(start: baseAddress, count: codeSize))
    }

    /// Wraps `mmap(2)`: `size` bytes of private anonymous memory, `PROT_READ | PROT_WRITE`.
    private static func mapReadWrite(size: Int) throws(JITError) -> UnsafeMutableRawPointer {
        let pointer = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let pointer, pointer != MAP_FAILED else { throw .mmapFailed(errno: errno) }
        return pointer
    }

    /// Wraps `mprotect(2)`: switches the pages to `PROT_READ | PROT_EXEC` (dropping write).
    private static func protectReadExecute(_ pointer: UnsafeMutableRawPointer, size: Int) throws(JITError) {
        guard mprotect(pointer, size, PROT_READ | PROT_EXEC) == 0 else { throw .mprotectFailed(errno: errno) }
    }
}
