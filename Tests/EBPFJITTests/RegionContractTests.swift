import EBPFCore
import EBPFInterpreter
import EBPFJIT
import Testing

/// The regions besides the input and the stack (extra regions such as map storage, regions
/// helpers return) at their edges: both engines accept and refuse the same accesses, by the one
/// rule (``MemoryRegion/contains(start:count:address:size:)``), with the same traps.
@Suite struct RegionContractTests {
    /// 32 bytes, word `i` holding `0x1111_1111_1111_1111 * (i + 1)`.
    nonisolated(unsafe) static let buffer: UnsafeMutableRawPointer = {
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: 32, alignment: 16)
        for index in 0..<4 { pointer.storeBytes(of: 0x1111_1111_1111_1111 &* UInt64(index + 1), toByteOffset: 8 * index, as: UInt64.self) }
        return pointer
    }()
    static var base: UInt64 { UInt64(UInt(bitPattern: buffer)) }

    /// The last address of the address space minus 7: a helper "returns" a 16-byte region there,
    /// which wraps around 2^64, so no access may lie inside it.
    static let wrappingStart = UInt64.max - 7

    static let helpers = HelperRegistry([
        HelperFunction(id: 9, name: "wrapping_region", signature: HelperSignature(arguments: [], returns: .memoryOrNull(size: 16)),
                       body: { _, _, _, _, _ in RegionContractTests.wrappingStart }),
        HelperFunction(id: 10, name: "buffer_region", signature: HelperSignature(arguments: [], returns: .memoryOrNull(size: 32)),
                       body: { _, _, _, _, _ in RegionContractTests.base }),
    ])

    /// Runs under the interpreter and every JIT configuration, expects them all to agree, and
    /// returns the outcome.
    static func outcome(_ slots: [Instruction], extraRegions: [MemoryRegion]) -> Result<UInt64, ExecutionTrap> {
        let program = Program(unchecked: slots)
        func observe(_ runner: some ProgramRunner) -> Result<UInt64, ExecutionTrap> {
            var memory: [UInt8] = []
            do throws(ExecutionTrap) { return .success(try runner.run(&memory)) } catch { return .failure(error) }
        }
        let reference = observe(Interpreter(program: program, helpers: helpers, extraRegions: extraRegions))
        for options in JITConfigurations.all {
            let compiled = try! JIT.compile(program, helpers: helpers, options: options, extraRegions: extraRegions)
            #expect(observe(compiled) == reference, "\(options.registerMap)")
        }
        return reference
    }

    /// `ldxdw r0, [r1 + offset]` with r1 = the buffer's address, the buffer given as `region`.
    @Test(arguments: [
        (0, true), (24, true), (8, true), (25, false), (32, false), (-1, false), (-8, false),
    ] as [(Int16, Bool)])
    func extraRegionEdges(offset: Int16, inside: Bool) {
        let slots = Asm.lddw(1, Self.base) + [Asm.ldxdw(0, 1, offset), Asm.exit]
        let result = Self.outcome(slots, extraRegions: [MemoryRegion(start: Self.base, count: 32)])
        if inside {
            let expected = Self.buffer.loadUnaligned(fromByteOffset: Int(offset), as: UInt64.self)
            #expect(result == .success(expected))
        } else {
            let address = Self.base &+ UInt64(bitPattern: Int64(offset))
            #expect(result == .failure(.outOfBounds(pc: 2, address: address, size: 8, isWrite: false)))
        }
    }

    /// An empty extra region at the buffer admits nothing, not even its first byte.
    @Test func emptyExtraRegionAdmitsNothing() {
        let slots = Asm.lddw(1, Self.base) + [Instruction(opcode: 0x71, dst: 0, src: 1), Asm.exit]
        #expect(Self.outcome(slots, extraRegions: [MemoryRegion(start: Self.base, count: 0)])
            == .failure(.outOfBounds(pc: 2, address: Self.base, size: 1, isWrite: false)))
    }

    /// A region a helper returned, at its edges, as an extra region is.
    @Test(arguments: [(24, true), (25, false), (-1, false)] as [(Int16, Bool)])
    func helperRegionEdges(offset: Int16, inside: Bool) {
        let slots = [Asm.call(10), Asm.ldxdw(0, 0, offset), Asm.exit]
        let result = Self.outcome(slots, extraRegions: [])
        if inside {
            #expect(result == .success(Self.buffer.loadUnaligned(fromByteOffset: Int(offset), as: UInt64.self)))
        } else {
            let address = Self.base &+ UInt64(bitPattern: Int64(offset))
            #expect(result == .failure(.outOfBounds(pc: 1, address: address, size: 8, isWrite: false)))
        }
    }

    /// A helper region that wraps around 2^64 holds no access: its first byte, and the bytes
    /// past the wrap (address 0 and up), all trap in both engines.
    @Test(arguments: [0, 4, 8, 12] as [Int16])
    func wrappingHelperRegionAdmitsNothing(offset: Int16) {
        let slots = [Asm.call(9), Instruction(opcode: 0x61, dst: 0, src: 0, offset: offset), Asm.exit]
        let address = Self.wrappingStart &+ UInt64(offset)
        #expect(Self.outcome(slots, extraRegions: [])
            == .failure(.outOfBounds(pc: 1, address: address, size: 4, isWrite: false)))
    }
}
