import EBPF
@testable import EBPFInterpreter
@testable import EBPFJIT
@testable import EBPFRuntime
import Testing

/// One access against one region, with the answer written out from the rule
/// (``MemoryRegion/contains(start:count:address:size:)``).
struct RegionCase: Sendable, CustomTestStringConvertible {
    let start: UInt64
    let count: UInt64
    let address: UInt64
    let size: UInt64
    let inside: Bool
    let why: String

    var testDescription: String { why }

    static let top = UInt64.max  // the last address, 2^64 - 1

    static let all: [RegionCase] = [
        RegionCase(start: 0x1000, count: 16, address: 0x1000, size: 1, inside: true, why: "first byte"),
        RegionCase(start: 0x1000, count: 16, address: 0x100f, size: 1, inside: true, why: "last byte"),
        RegionCase(start: 0x1000, count: 16, address: 0x1008, size: 8, inside: true, why: "last 8 bytes"),
        RegionCase(start: 0x1000, count: 16, address: 0x1000, size: 16, inside: true, why: "the whole region"),
        RegionCase(start: 0x1000, count: 16, address: 0x1010, size: 1, inside: false, why: "one past the end"),
        RegionCase(start: 0x1000, count: 16, address: 0x1009, size: 8, inside: false, why: "straddles the end"),
        RegionCase(start: 0x1000, count: 16, address: 0x0fff, size: 1, inside: false, why: "one below the start"),
        RegionCase(start: 0x1000, count: 16, address: 0x0ffc, size: 8, inside: false, why: "straddles the start"),
        RegionCase(start: 0x1000, count: 4, address: 0x1000, size: 8, inside: false, why: "larger than the region"),
        RegionCase(start: 0x1000, count: 16, address: 0x1008, size: .max, inside: false, why: "size wraps the address space"),
        RegionCase(start: 0x1000, count: 16, address: 0x1004, size: 0, inside: true, why: "size 0 inside"),
        RegionCase(start: 0x1000, count: 16, address: 0x1010, size: 0, inside: false, why: "size 0 at the end"),
        RegionCase(start: 0x1000, count: 0, address: 0x1000, size: 0, inside: false, why: "empty region, size 0"),
        RegionCase(start: 0x1000, count: 0, address: 0x1000, size: 1, inside: false, why: "empty region, size 1"),
        RegionCase(start: top - 7, count: 16, address: top - 7, size: 1, inside: false, why: "region wraps at 2^64: its first byte"),
        RegionCase(start: top - 7, count: 16, address: 2, size: 4, inside: false, why: "region wraps at 2^64: past the wrap"),
        RegionCase(start: top - 7, count: 16, address: top - 1, size: 4, inside: false, why: "region and access wrap at 2^64"),
        RegionCase(start: top - 15, count: 16, address: top - 7, size: 8, inside: true, why: "region ends exactly at 2^64"),
        RegionCase(start: top - 15, count: 16, address: top - 3, size: 8, inside: false, why: "access wraps at 2^64"),
        RegionCase(start: top, count: 1, address: top, size: 1, inside: true, why: "the last byte of the address space"),
        RegionCase(start: 1, count: top, address: top, size: 1, inside: true, why: "region up to 2^64 from 1"),
        RegionCase(start: 0, count: 16, address: 0, size: 1, inside: false, why: "address 0 in a region at 0"),
        RegionCase(start: 0, count: 16, address: 1, size: 1, inside: true, why: "address 1 in a region at 0"),
        RegionCase(start: 0, count: 0, address: 0, size: 0, inside: false, why: "empty region at 0"),
    ]
}

/// The run-time contract's region check exists once (``MemoryRegion/contains(start:count:address:size:)``);
/// every Swift-side check that is not an inline fast path must give the same answer for the
/// same region and access: the interpreter's returned regions, the JIT's slow path (helper ring
/// and extra regions), and the runtime's pointer check for helpers.
@Suite struct RegionCheckTests {
    @Test(arguments: RegionCase.all)
    func memoryRegionFollowsTheRule(_ check: RegionCase) {
        let region = MemoryRegion(start: check.start, count: check.count)
        #expect(region.contains(address: check.address, size: check.size) == check.inside)
    }

    /// Regions that hold no access, which lists may skip: empty, or wrapping past 2^64 (one
    /// ending exactly at 2^64 holds accesses).
    @Test(arguments: [
        (0x1000, 0, true), (0x1000, 16, false), (RegionCase.top - 7, 16, true), (RegionCase.top - 15, 16, false),
        (RegionCase.top, 1, false), (RegionCase.top, 2, true), (0, 0, true), (0, 16, false), (1, RegionCase.top, false),
        (2, RegionCase.top, true),
    ] as [(UInt64, UInt64, Bool)])
    func regionsHoldingNoAccess(start: UInt64, count: UInt64, holdsNone: Bool) {
        #expect(MemoryRegion(start: start, count: count).admitsNoAccess == holdsNone)
    }

    @Test(arguments: RegionCase.all)
    func regionListFollowsTheRule(_ check: RegionCase) {
        // A region elsewhere first, so the list is walked.
        let pairs: [UInt64] = [0x9000_0000, 64, check.start, check.count]
        let inside = pairs.withUnsafeBufferPointer { MemoryRegions($0).contains(address: check.address, size: check.size) }
        #expect(inside == check.inside)
    }

    @Test(arguments: RegionCase.all)
    func interpreterReturnedRegionsFollowTheRule(_ check: RegionCase) {
        var regions = ReturnedRegions()
        regions.add(start: check.start, size: check.count)
        #expect(regions.contains(address: check.address, size: check.size) == check.inside)
        // The same region past the inline capacity, in the spilled part.
        var spilled = ReturnedRegions()
        for index in 0..<UInt64(ReturnedRegions.inlineCapacity) { spilled.add(start: 0x9000_0000 + 0x100 * index, size: 16) }
        spilled.add(start: check.start, size: check.count)
        #expect(spilled.contains(address: check.address, size: check.size) == check.inside)
    }

    @Test(arguments: RegionCase.all)
    func jitSlowPathFollowsTheRule(_ check: RegionCase) {
        // The region as a helper-returned region in the ring, then as an extra region.
        #expect(Self.jitAccepts(check, ring: [check.start, check.count], extra: []) == check.inside)
        #expect(Self.jitAccepts(check, ring: [], extra: [check.start, check.count]) == check.inside)
    }

    @Test(arguments: RegionCase.all.filter { $0.size <= UInt64(Int.max) })
    func runtimePointerCheckFollowsTheRule(_ check: RegionCase) throws {
        let linked = LinkedProgram(
            name: "", verifierProgram: try Assembler.assemble("exit"), program: try Assembler.assemble("exit"),
            helpers: HelperRegistry(), maps: [:], regions: [MemoryRegion(start: check.start, count: check.count)], license: nil)
        let none = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        var context = RunContext(memory: none, stack: none, program: linked, trace: nil)
        #expect(context.allows(address: check.address, size: Int(check.size)) == check.inside)
    }

    /// The stack area's edges, with the interpreter's inline fast path, the JIT's slow path and
    /// the runtime's pointer check over the same area.
    @Test(arguments: [
        (0, 1, true), (0, 8, true), (4088, 8, true), (4095, 1, true), (4089, 8, false), (4096, 1, false),
        (-1, 1, false), (-4, 8, false),
    ] as [(Int, UInt64, Bool)])
    func stackAreaEdgesAgree(offset: Int, size: UInt64, inside: Bool) throws {
        try StackArea.withZeroFilled { stack in
            let base = UInt64(UInt(bitPattern: stack.baseAddress))
            let address = base &+ UInt64(bitPattern: Int64(offset))
            #expect(StackArea.region(base: base).contains(address: address, size: size) == inside)

            var regions = ReturnedRegions()
            let space = AddressSpace(memory: UnsafeMutableRawBufferPointer(start: nil, count: 0), stack: stack)
            let interpreter = (try? space.pointer(address, size: size, pc: 0, isWrite: false, regions: &regions)) != nil
            #expect(interpreter == inside)

            #expect(Self.jitAccepts(address: address, size: size, stackBase: base, ring: [], extra: []) == inside)

            let linked = LinkedProgram(
                name: "", verifierProgram: try Assembler.assemble("exit"), program: try Assembler.assemble("exit"),
                helpers: HelperRegistry(), maps: [:], regions: [], license: nil)
            var context = RunContext(memory: UnsafeMutableRawBufferPointer(start: nil, count: 0), stack: stack, program: linked, trace: nil)
            #expect(context.allows(address: address, size: Int(size)) == inside)
        }
    }

    /// A JIT run context without a stack area (base 0) accepts nothing there.
    @Test func jitWithoutStackAreaAcceptsNoStackAddress() {
        for address: UInt64 in [0, 8, UInt64(StackArea.size) - 8] {
            #expect(!Self.jitAccepts(address: address, size: 8, stackBase: 0, ring: [], extra: []))
        }
    }

    @Test func stackAreaIsTheSharedSizeAndZeroFilled() {
        #expect(MemoryLayout<StackArea>.size == ExecutionLimits.stackSize)
        #expect(MemoryLayout<StackArea>.alignment >= 8)
        StackArea.withZeroFilled { stack in
            #expect(stack.count == ExecutionLimits.stackSize)
            #expect(stack.allSatisfy { $0 == 0 })
            let base = UInt64(UInt(bitPattern: stack.baseAddress))
            #expect(StackArea.top(base: base) == base + UInt64(ExecutionLimits.stackSize))
            #expect(StackArea.region(base: base) == MemoryRegion(stack))
        }
        #expect(StackArea.region(base: 0).count == 0)
    }

    // MARK: Driving the JIT's slow path directly

    static func jitAccepts(_ check: RegionCase, ring: [UInt64], extra: [UInt64]) -> Bool {
        jitAccepts(address: check.address, size: check.size, stackBase: 0, ring: ring, extra: extra)
    }

    /// ``JITRunContext/regionsContain(address:size:extraRegions:)`` over a context set up as the
    /// prologue of code with a slow path sets it up, with `ring` as the helper-returned regions
    /// recorded so far.
    static func jitAccepts(address: UInt64, size: UInt64, stackBase: UInt64, ring: [UInt64], extra: [UInt64]) -> Bool {
        let block = UnsafeMutableRawPointer.allocate(byteCount: RunContextLayout.size, alignment: 16)
        let ringBlock = UnsafeMutableRawPointer.allocate(byteCount: RunContextLayout.helperRegionRingSize, alignment: 16)
        defer { block.deallocate(); ringBlock.deallocate() }
        ringBlock.copyMemory(from: ring, byteCount: 8 * ring.count)
        let context = JITRunContext(block)
        context[RunContextLayout.stackBase] = stackBase
        context[RunContextLayout.helperRegions] = UInt64(UInt(bitPattern: ringBlock))
        context[RunContextLayout.helperRegionCount] = UInt64(ring.count / 2)
        return extra.withUnsafeBufferPointer { pairs in
            context.regionsContain(address: address, size: size, extraRegions: MemoryRegions(pairs))
        }
    }
}
