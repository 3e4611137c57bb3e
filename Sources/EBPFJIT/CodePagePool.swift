import Glibc
import Synchronization

/// The pages compiled code lives in, mapped in chunks once and handed out again, so that a
/// compilation makes one system call (`mprotect` to read-execute) instead of three (`mmap`,
/// `mprotect`, and later `munmap`) and touches pages that are already faulted in.
///
/// No page is ever writable and executable at once (W^X). A page is in one of four states:
/// - **fresh**: in the newest chunk, mapped `PROT_READ | PROT_WRITE` (prefaulted with
///   `MAP_POPULATE`), never used;
/// - **free**: read-write, in a free run, ready to be handed out;
/// - **in use**: handed out by ``take(pages:)``; ``ExecutableMemory`` writes its code while the
///   run is read-write, then switches it to `PROT_READ | PROT_EXEC`;
/// - **retired**: given back by ``release(_:pages:)`` (still read-execute, not writable), until
///   the pool next needs pages: then every retired run goes back to read-write at once, adjacent
///   runs in one `mprotect`, and becomes free. Code that is compiled and dropped in a loop so
///   costs one `mprotect` per compilation, not two.
///
/// Free pages are `int3` (0xcc) throughout: a recycled run gets `int3` over the bytes its code
/// had written (``release(_:pages:written:)`` says how many), so a compilation that takes a free
/// run writes only its code (``take(pages:)`` says whether the run is filled); fresh pages are
/// filled by the compilation that takes them.
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

    /// A run of whole pages: its first page's address and its length in pages.
    struct Run: Sendable {
        var start: UInt
        var pages: Int
        /// For a retired run: the bytes at its start that were written (its code), which become
        /// `int3` again when it is recycled.
        var written = 0
    }

    private struct State: ~Copyable {
        /// `freeRuns[n]`: the start addresses of free (read-write, all `int3`) runs of exactly `n`
        /// pages.
        var freeRuns: [[UInt]] = Array(repeating: [], count: CodePagePool.largestPooledRun + 1)
        /// The untouched rest of the newest chunk: its next page's address and how many pages
        /// remain.
        var next: UInt = 0
        var remaining = 0
        /// Runs given back and still read-execute.
        var retired: [Run] = []

        /// A free or fresh run of `pages` pages, splitting a longer free run if need be (0 if
        /// there is none), and whether it is free (filled with `int3`) rather than fresh.
        mutating func takeFree(pages: Int) -> (start: UInt, filled: Bool) {
            for length in pages...CodePagePool.largestPooledRun {
                guard let start = freeRuns[length].popLast() else { continue }
                if length > pages { freeRuns[length - pages].append(start + UInt(pages * CodePagePool.pageSize)) }
                return (start, true)
            }
            guard remaining >= pages else { return (0, false) }
            let start = next
            next += UInt(pages * CodePagePool.pageSize)
            remaining -= pages
            return (start, false)
        }

        /// Files a read-write range as free runs of at most ``CodePagePool/largestPooledRun`` pages.
        mutating func file(_ run: Run) {
            var start = run.start, pages = run.pages
            while pages > 0 {
                let length = min(pages, CodePagePool.largestPooledRun)
                freeRuns[length].append(start)
                start += UInt(length * CodePagePool.pageSize)
                pages -= length
            }
        }
    }

    private let state = Mutex(State())

    /// A run of `pages` read-write pages for the caller alone.
    func take(pages: Int) throws(JITError) -> UnsafeMutableRawPointer {
        try takeRun(pages: pages).start
    }

    /// A run of `pages` read-write pages for the caller alone, and whether it is `int3`
    /// throughout already (a free run; fresh pages are not filled).
    func takeRun(pages: Int) throws(JITError) -> (start: UnsafeMutableRawPointer, filled: Bool) {
        guard pages <= Self.largestPooledRun else { return (try Self.map(pages: pages, populate: false), false) }
        while true {
            let (taken, filled, retired): (UInt, Bool, [Run]) = state.withLock { state in
                let (start, filled) = state.takeFree(pages: pages)
                if start != 0 { return (start, filled, []) }
                let retired = state.retired
                state.retired = []
                return (0, false, retired)
            }
            if let pointer = UnsafeMutableRawPointer(bitPattern: taken) { return (pointer, filled) }
            guard !retired.isEmpty else { break }
            // Nothing free: make the retired runs read-write again (outside the lock) and retry.
            let recycled = Self.makeWritable(retired)
            state.withLock { state in
                for run in recycled { state.file(run) }
            }
        }
        // A new chunk (outside the lock: mapping and prefaulting take a while).
        let chunk = try Self.map(pages: Self.chunkPages, populate: true)
        let address = UInt(bitPattern: chunk)
        state.withLock { state in
            // The old chunk's rest stays usable as free runs, filled as free runs are.
            if state.remaining > 0 {
                UnsafeMutableRawPointer(bitPattern: state.next)!.initializeMemory(
                    as: UInt8.self, repeating: 0xcc, count: state.remaining * Self.pageSize)
                state.file(Run(start: state.next, pages: state.remaining))
            }
            state.next = address + UInt(pages * Self.pageSize)
            state.remaining = Self.chunkPages - pages
        }
        return (chunk, false)
    }

    /// Takes back a run ``take(pages:)`` returned, read-execute or read-write: retires a pooled
    /// run (it stays as it is until the pool needs pages), unmaps one mapped on its own.
    /// `written`: how many bytes at its start may differ from `int3` (all of them unless said).
    func release(_ start: UnsafeMutableRawPointer, pages: Int, written: Int? = nil) {
        guard pages <= Self.largestPooledRun else {
            munmap(start, pages * Self.pageSize)
            return
        }
        let run = Run(start: UInt(bitPattern: start), pages: pages, written: min(written ?? pages * Self.pageSize, pages * Self.pageSize))
        state.withLock { $0.retired.append(run) }
    }

    /// Pages the pool holds that are not in use: (free or fresh, retired).
    var idlePages: (free: Int, retired: Int) {
        state.withLock { state in
            let free = state.remaining + state.freeRuns.indices.reduce(0) { $0 + $1 * state.freeRuns[$1].count }
            return (free, state.retired.reduce(0) { $0 + $1.pages })
        }
    }

    /// Switches `runs` back to read-write, adjacent runs in one `mprotect`, fills what each run's
    /// code had written with `int3` again, and returns the ranges that made it (a range that
    /// cannot be switched is unmapped instead).
    private static func makeWritable(_ runs: [Run]) -> [Run] {
        let sorted = runs.sorted { $0.start < $1.start }
        var recycled: [Run] = []
        recycled.reserveCapacity(sorted.count)
        var first = 0
        while first < sorted.count {
            // The adjacent runs from `first` on, as one range.
            var end = first + 1
            var pages = sorted[first].pages
            while end < sorted.count && sorted[first].start + UInt(pages * pageSize) == sorted[end].start {
                pages += sorted[end].pages
                end += 1
            }
            let pointer = UnsafeMutableRawPointer(bitPattern: sorted[first].start)!
            if mprotect(pointer, pages * pageSize, PROT_READ | PROT_WRITE) == 0 {
                for run in sorted[first..<end] {
                    UnsafeMutableRawPointer(bitPattern: run.start)!.initializeMemory(as: UInt8.self, repeating: 0xcc, count: run.written)
                }
                recycled.append(Run(start: sorted[first].start, pages: pages))
            } else {
                munmap(pointer, pages * pageSize)
            }
            first = end
        }
        return recycled
    }

    /// Wraps `mmap(2)`: `pages` pages of private anonymous memory, `PROT_READ | PROT_WRITE`.
    private static func map(pages: Int, populate: Bool) throws(JITError) -> UnsafeMutableRawPointer {
        let flags = MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0)
        let pointer = mmap(nil, pages * pageSize, PROT_READ | PROT_WRITE, flags, -1, 0)
        guard let pointer, pointer != MAP_FAILED else { throw .mmapFailed(errno: errno) }
        return pointer
    }
}
