import Glibc

/// Pages with an inaccessible (`PROT_NONE`) page on each side: a read or write one byte outside
/// the usable page crashes the process, so a test that completes proves no access got out.
final class GuardedRegion {
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    let base: UnsafeMutableRawPointer
    let mappedSize: Int
    /// The accessible page(s) between the guards.
    let usable: UnsafeMutableRawBufferPointer

    init(usablePages: Int = 1) {
        let size = (usablePages + 2) * Self.pageSize
        let pointer = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        precondition(pointer != MAP_FAILED, "mmap failed")
        base = pointer
        mappedSize = size
        mprotect(pointer, Self.pageSize, PROT_NONE)
        mprotect(pointer + (usablePages + 1) * Self.pageSize, Self.pageSize, PROT_NONE)
        usable = UnsafeMutableRawBufferPointer(start: pointer + Self.pageSize, count: usablePages * Self.pageSize)
    }

    /// `count` bytes flush against the lower guard (`atEnd == false`) or the upper guard.
    func slice(count: Int, atEnd: Bool) -> UnsafeMutableRawBufferPointer {
        let start = atEnd ? usable.count - count : 0
        return UnsafeMutableRawBufferPointer(rebasing: usable[start..<(start + count)])
    }

    deinit { munmap(base, mappedSize) }
}
