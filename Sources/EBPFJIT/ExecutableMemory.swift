import Glibc

/// Machine code in its own pages, readable and executable but never writable and executable at
/// the same time (W^X): the pages come read-write from the process's ``CodePagePool``, are
/// filled, then switched to read-execute.
///
/// The bytes after the code up to the end of the last page are `int3` (0xcc), so a stray jump
/// past the end stops at a breakpoint instead of running leftovers. The pages go back to the
/// pool (switched back to read-write, no longer executable) when the value is destroyed.
public struct ExecutableMemory: ~Copyable, @unchecked Sendable {
    /// Start of the mapping (page-aligned); the code's first byte.
    public let baseAddress: UnsafeRawPointer
    /// Bytes of the code's pages: the code size rounded up to whole pages (at least one).
    public let mappedSize: Int
    /// Bytes of code (the rest of the mapping is `int3`).
    public let codeSize: Int
    /// Where the pages came from and go back to.
    private let pool: CodePagePool

    /// Puts `code` into pages of its own from the ``CodePagePool``: written while they are
    /// read-write, then switched to read-execute (one `mprotect`).
    public init(code: [UInt8]) throws(JITError) {
        try self.init(code: code, pool: .shared)
    }

    /// Puts `code` into pages from `pool` (tests use pools of their own).
    init(code: [UInt8], pool: CodePagePool) throws(JITError) {
        let pageSize = CodePagePool.pageSize
        let pages = max(1, (code.count + pageSize - 1) / pageSize)
        let size = pages * pageSize
        let (pointer, filled) = try pool.takeRun(pages: pages)
        let bytes = pointer.bindMemory(to: UInt8.self, capacity: size)
        code.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { bytes.update(from: base, count: code.count) }
        }
        // A free run from the pool is `int3` already past what the code overwrote.
        if !filled { (bytes + code.count).update(repeating: 0xcc, count: size - code.count) }
        guard mprotect(pointer, size, PROT_READ | PROT_EXEC) == 0 else {
            let error = errno
            pool.release(pointer, pages: pages, written: code.count)
            throw .mprotectFailed(errno: error)
        }
        self.baseAddress = UnsafeRawPointer(pointer)
        self.mappedSize = size
        self.codeSize = code.count
        self.pool = pool
    }

    deinit {
        pool.release(UnsafeMutableRawPointer(mutating: baseAddress), pages: mappedSize / CodePagePool.pageSize, written: codeSize)
    }

    /// The code bytes (a copy).
    public var code: [UInt8] {
        Array(UnsafeRawBufferPointer(start: baseAddress, count: codeSize))
    }
}
