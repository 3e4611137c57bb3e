import EBPFCore
import Glibc
import Testing
@testable import EBPFJIT

/// The code page pool on a pool of its own (the shared one serves the tests running alongside):
/// runs handed out read-write, retired read-execute, recycled read-write in one go when nothing
/// is free; long runs mapped apart; never a page writable and executable (checked in
/// /proc/self/maps at every step).
@Suite struct CodePagePoolTests {
    static let pageSize = CodePagePool.pageSize

    /// The permissions of the page at `address`, and that no mapping is writable and executable.
    static func permissions(at address: UnsafeRawPointer) throws -> String? {
        let maps = try ExecutableMemoryTests.maps()
        #expect(!maps.split(separator: "\n").contains { $0.split(separator: " ")[1].hasPrefix("rwx") })
        return try ExecutableMemoryTests.permissions(of: address)
    }

    /// Takes a run and does to it what ``ExecutableMemory`` does: writes, then read-execute.
    static func takeAndSeal(_ pool: CodePagePool, pages: Int) throws -> UnsafeMutableRawPointer {
        let run = try pool.take(pages: pages)
        #expect(try permissions(at: run) == "rw-p")
        run.storeBytes(of: 0xc3, as: UInt8.self)  // ret
        #expect(mprotect(run, pages * pageSize, PROT_READ | PROT_EXEC) == 0)
        return run
    }

    /// Takes single pages until nothing is free or fresh (without recycling: the loop stops
    /// first), and returns them.
    static func exhaust(_ pool: CodePagePool) throws -> [UnsafeMutableRawPointer] {
        var taken: [UnsafeMutableRawPointer] = []
        while pool.idlePages.free > 0 { taken.append(try pool.take(pages: 1)) }
        return taken
    }

    @Test func retiredRunsStayReadExecuteUntilRecycledReadWrite() throws {
        let pool = CodePagePool()
        let first = try Self.takeAndSeal(pool, pages: 1)
        #expect(try Self.permissions(at: first) == "r-xp")
        pool.release(first, pages: 1)
        // Retired: not handed out again while fresh pages remain, and not writable.
        #expect(pool.idlePages.retired == 1)
        #expect(try Self.permissions(at: first) == "r-xp")
        // Use up the chunk: each run taken is a new page.
        let taken = try Self.exhaust(pool)
        #expect(taken.count == CodePagePool.chunkPages - 1 && !taken.contains(first))
        // Nothing free: the retired page comes back, read-write again.
        let recycled = try pool.take(pages: 1)
        #expect(recycled == first)
        #expect(try Self.permissions(at: recycled) == "rw-p")
        #expect(pool.idlePages.retired == 0)
        for run in taken + [recycled] { pool.release(run, pages: 1) }
    }

    @Test func adjacentRetiredRunsComeBackAsLongerRuns() throws {
        let pool = CodePagePool()
        // Three adjacent runs of 1, 2 and 1 pages, retired, then the rest of the chunk taken.
        let runs = try [1, 2, 1].map { try Self.takeAndSeal(pool, pages: $0) }
        #expect(runs[1] == runs[0] + Self.pageSize && runs[2] == runs[1] + 2 * Self.pageSize)
        for (run, pages) in zip(runs, [1, 2, 1]) { pool.release(run, pages: pages) }
        let rest = try Self.exhaust(pool)
        // A run of 4 pages now fits only in the recycled ones: recycled as one range.
        let four = try pool.take(pages: 4)
        #expect(four == runs[0])
        #expect(try Self.permissions(at: four + 3 * Self.pageSize) == "rw-p")
        pool.release(four, pages: 4)
        for run in rest { pool.release(run, pages: 1) }
    }

    @Test func longRunsAreMappedApartAndUnmapped() throws {
        let pool = CodePagePool()
        let pages = CodePagePool.largestPooledRun + 1
        let run = try Self.takeAndSeal(pool, pages: pages)
        #expect(try Self.permissions(at: run + (pages - 1) * Self.pageSize) == "r-xp")
        pool.release(run, pages: pages)
        #expect(pool.idlePages.retired == 0 && pool.idlePages.free == 0)
        #expect(try Self.permissions(at: run) != "r-xp")
    }

    /// A recycled run is `int3` throughout again, whatever the code it held (so the next code
    /// written there is followed by `int3` without filling the page), and says so; fresh pages
    /// do not.
    @Test(arguments: [1, 300, CodePagePool.pageSize])
    func recycledRunsAreInt3Throughout(codeBytes: Int) throws {
        let pool = CodePagePool()
        let fresh = try pool.takeRun(pages: 1)
        #expect(!fresh.filled)
        pool.release(fresh.start, pages: 1)
        do {
            // Code of `codeBytes` bytes (NOPs, then ret) in the first run, dropped.
            let code = [UInt8](repeating: 0x90, count: codeBytes - 1) + [0xc3]
            let memory = try ExecutableMemory(code: code, pool: pool)
            #expect(memory.baseAddress != UnsafeRawPointer(fresh.start))
            #expect(Array(UnsafeRawBufferPointer(start: memory.baseAddress, count: codeBytes)) == code)
        }
        let rest = try Self.exhaust(pool)
        // Both retired runs come back filled.
        let first = try pool.takeRun(pages: 1), second = try pool.takeRun(pages: 1)
        for run in [first, second] {
            #expect(run.filled)
            #expect(UnsafeRawBufferPointer(start: run.start, count: Self.pageSize).allSatisfy { $0 == 0xcc })
        }
        for run in rest + [first.start, second.start] { pool.release(run, pages: 1) }
    }

    /// Code made and dropped in a loop reuses its pages: once the chunk is used up, the retired
    /// runs come back, so a loop of three chunks' worth of programs stays in one chunk.
    @Test func codeMadeAndDroppedReusesPages() throws {
        let pool = CodePagePool()
        var addresses = Set<UInt>()
        for index in 0..<(3 * CodePagePool.chunkPages) {
            let value = UInt8(truncatingIfNeeded: index)
            let memory = try ExecutableMemory(code: [0xb0, value, 0xc3], pool: pool)  // mov al, value; ret
            #expect(try Self.permissions(at: memory.baseAddress) == "r-xp")
            let function = unsafeBitCast(memory.baseAddress, to: (@convention(c) () -> UInt8).self)
            #expect(function() == value)
            addresses.insert(UInt(bitPattern: memory.baseAddress))
        }
        #expect(addresses.count <= CodePagePool.chunkPages)
        #expect(pool.idlePages.retired + pool.idlePages.free == CodePagePool.chunkPages)
    }
}
