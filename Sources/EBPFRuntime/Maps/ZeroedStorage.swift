#if canImport(Glibc)
import Glibc
#endif

/// Zero-filled map storage from `calloc`: large areas come straight from the kernel as zero
/// pages, so a big map costs address space, not time, until it is used.
enum ZeroedStorage {
    /// At least `byteCount` (and at least 16) zeroed bytes, 16-byte aligned (glibc's guarantee on
    /// x86-64). Release with ``release(_:)``.
    static func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        guard let pointer = calloc(max(byteCount, 16), 1) else {
            fatalError("out of memory allocating \(byteCount) bytes of map storage")
        }
        return pointer
    }

    static func release(_ pointer: UnsafeMutableRawPointer) {
        free(pointer)
    }
}
