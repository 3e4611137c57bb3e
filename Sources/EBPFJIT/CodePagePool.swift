import Glibc
import Synchronization

/// The pages compiled code lives in, mapped in chunks once and handed out again, so that a
/// compilation makes one system call (`mprotect` to read-execute) instead of three (`mmap`,
/// `mprotect`, and later `munmap`) and touches pages that are already faulted in.
///
/// Every page the pool holds is read-write and not executable; every page it has handed out
/// is read-execute once ``ExecutableMemory`` has written it, and not writable. A page is never
/// writable and executable at once (W^X):
/// - fresh pages come from a chunk mapped `PROT_READ | PROT_WRITE` (prefaulted with
///   `MAP_POPULATE`);
/// - ``ExecutableMemory`` writes its code into them and then switches them to
///   `PROT_READ | PROT_EXEC`;
/// - when the code is destroyed, ``release(_:pages:)`` switches its pages back to
///   `PROT_READ | PROT_WRITE` (dropping execute) and files them for reuse by size.
///
/// Runs of up to ``largestPooledRun`` pages are pooled; larger code gets a mapping of its own,
/// unmapped when the code is destroyed. Pooled pages are never unmapped: the pool keeps what
/// the process's peak of live compiled code needed.
final class CodePagePool: Sendable {
    /// The process's pool.
    static let shared = CodePagePool()

    /// Bytes in a page.
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    /// Pages mapped at once when the pool runs dry.
    static let chunkPages = 128
    /// The longest run (in pages) taken from the pool; longer code is mapped on its own.
    static let largestPooledRun = 16

    private struct State: ~Copyable {
        /// `freeRuns[n]`: the start addresses of free runs of exactly `n` pages.
        var freeRuns: [[UInt]] = Array(repeating: [], count: CodePagePool.largestPooledRun + 1)
        /// The untouched rest of the newest chunk: its next page's address (0 before the first
        /// chunk) and how many pages remain.
        var next: UInt = 0
        var remaining = 0
    }

    private let state = Mutex(State())

    /// A run of `pages` read-write pages for the caller alone.
    func take(pages: Int) throws(JITError) -> UnsafeMutableRawPointer {
        guard pages <= Self.largestPooledRun else { return try Self.map(pages: pages, populate: false) }
        let taken: UInt = state.withLock { state in
            if let run = state.freeRuns[pages].popLast() { return run }
            guard state.remaining >= pages else { return 0 }
            let next = state.next
            state.next = next + UInt(pages * Self.pageSize)
            state.remaining -= pages
            return next
        }
        if let pointer = UnsafeMutableRawPointer(bitPattern: taken) { return pointer }
        // A new chunk (outside the lock: mapping and prefaulting take a while).
        let chunk = try Self.map(pages: Self.chunkPages, populate: true)
        let address = UInt(bitPattern: chunk)
        state.withLock { state in
            // The old chunk's rest stays usable as one free run.
            if state.remaining > 0 { state.freeRuns[state.remaining].append(state.next) }
            state.next = address + UInt(pages * Self.pageSize)
            state.remaining = Self.chunkPages - pages
        }
        return chunk
    }

    /// Takes back a run ``take(pages:)`` returned (read-execute or read-write): switches it
    /// back to read-write, or unmaps it when it was mapped on its own or cannot be switched.
    func release(_ start: UnsafeMutableRawPointer, pages: Int) {
        let size = pages * Self.pageSize
        guard pages <= Self.largestPooledRun, mprotect(start, size, PROT_READ | PROT_WRITE) == 0 else {
            munmap(start, size)
            return
        }
        let address = UInt(bitPattern: start)
        state.withLock { $0.freeRuns[pages].append(address) }
    }

    /// Free pages the pool holds (for tests): in free runs and in the newest chunk's rest.
    var freePages: Int {
        state.withLock { state in
            state.remaining + state.freeRuns.indices.reduce(0) { $0 + $1 * state.freeRuns[$1].count }
        }
    }

    /// Wraps `mmap(2)`: `pages` pages of private anonymous memory, `PROT_READ | PROT_WRITE`.
    private static func map(pages: Int, populate: Bool) throws(JITError) -> UnsafeMutableRawPointer {
        let flags = MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0)
        let pointer = mmap(nil, pages * pageSize, PROT_READ | PROT_WRITE, flags, -1, 0)
        guard let pointer, pointer != MAP_FAILED else { throw .mmapFailed(errno: errno) }
        return pointer
    }
}
