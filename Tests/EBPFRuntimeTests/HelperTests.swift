import EBPF
import Foundation
import Testing

/// Every kernel helper, called from programs through both engines (verified and unverified).
@Suite struct HelperTests {
    /// lookup (1) returns the value pointer or NULL; update (2) and delete (3) return 0 or -errno.
    @Test(arguments: ProgramHarness.configurations)
    func mapHelpersReturnKernelErrors(configuration: ExecutionConfiguration) throws {
        let harness = ProgramHarness()
        let hash = try harness.table.create(MapDefinition(type: .hash, keySize: 4, valueSize: 8, maxEntries: 1))
        // Stores the three results of: update NOEXIST (0), update NOEXIST again (-EEXIST),
        // update a second key into the full map (-E2BIG), delete a missing key (-ENOENT),
        // lookup of key 5 (value 77), in r0 as a checksum-free tuple via the stack.
        func call(_ body: String) throws -> UInt64 {
            try harness.run("""
                stw [%r10-4], 5
                stdw [%r10-16], 77
                stw [%r10-20], 6
                \(body)
                exit
                """, configuration: configuration)
        }
        let update = { (key: Int, flags: Int) in
            """
            lddw %r1, map_fd \(hash)
            mov %r2, %r10
            add %r2, \(key)
            mov %r3, %r10
            add %r3, -16
            mov %r4, \(flags)
            call 2
            """
        }
        #expect(try call(update(-4, 1)) == 0)
        #expect(try call(update(-4, 1)) == .errno(17))
        #expect(try call(update(-20, 0)) == .errno(7))
        #expect(try call(update(-4, 8)) == .errno(22))
        #expect(try call("""
            lddw %r1, map_fd \(hash)
            mov %r2, %r10
            add %r2, -4
            call 1
            jeq %r0, 0, +1
            ldxdw %r0, [%r0]
            """) == 77)
        #expect(try call("""
            lddw %r1, map_fd \(hash)
            mov %r2, %r10
            add %r2, -20
            call 3
            """) == .errno(2))
        #expect(try call("""
            lddw %r1, map_fd \(hash)
            mov %r2, %r10
            add %r2, -4
            call 3
            """) == 0)
        #expect(try harness.table.map(hash).entries().isEmpty)
    }

    /// A program writes through the pointer lookup returned; Swift sees the new value.
    @Test(arguments: ProgramHarness.configurations)
    func lookupReturnsWritableValue(configuration: ExecutionConfiguration) throws {
        let harness = ProgramHarness()
        let array = try harness.table.create(MapDefinition(type: .array, keySize: 4, valueSize: 16, maxEntries: 2))
        let result = try harness.run("""
            stw [%r10-4], 1
            lddw %r1, map_fd \(array)
            mov %r2, %r10
            add %r2, -4
            call 1
            jeq %r0, 0, +3
            stdw [%r0+8], 0x1234
            mov %r0, 1
            exit
            mov %r0, 2
            exit
            """, configuration: configuration)
        #expect(result == 1)
        let value = try harness.table.lookup(array, key: [1, 0, 0, 0])
        #expect(value.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self) } == 0x1234)
    }

    @Test(arguments: ProgramHarness.configurations)
    func ktimeIsMonotonicNanoseconds(configuration: ExecutionConfiguration) throws {
        let harness = ProgramHarness()
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let before = UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
        let first = try harness.run("call 5\nexit", configuration: configuration)
        let second = try harness.run("call 5\nexit", configuration: configuration)
        #expect(first >= before)
        #expect(second >= first)
        #expect(second - before < 60_000_000_000)
    }

    @Test(arguments: ProgramHarness.configurations)
    func prandomVariesAndFitsThirtyTwoBits(configuration: ExecutionConfiguration) throws {
        let harness = ProgramHarness()
        var values: Set<UInt64> = []
        for _ in 0..<16 {
            let value = try harness.run("call 7\nexit", configuration: configuration)
            #expect(value <= UInt64(UInt32.max))
            values.insert(value)
        }
        #expect(values.count > 1)
    }

    @Test(arguments: ProgramHarness.configurations)
    func processorIDIsAnOnlineCPU(configuration: ExecutionConfiguration) throws {
        let harness = ProgramHarness()
        let cpu = try harness.run("call 8\nexit", configuration: configuration)
        #expect(cpu < UInt64(ProcessInfo.processInfo.activeProcessorCount) || cpu < 4096)
    }

    /// trace_printk (6) formats its arguments into the run's trace log and returns the length.
    @Test(arguments: ProgramHarness.configurations)
    func tracePrintkFormatsIntoTheLog(configuration: ExecutionConfiguration) throws {
        let harness = ProgramHarness()
        let format = Array("n=%d u=%u x=%lx\n".utf8) + [0]
        let data = try harness.table.create(MapDefinition(type: .array, keySize: 4, valueSize: format.count, maxEntries: 1))
        try harness.table.update(data, key: [0, 0, 0, 0], value: format)
        let length = try harness.run("""
            lddw %r1, map_value_fd \(data)+0
            mov %r2, \(format.count)
            mov %r3, -5
            mov %r4, 7
            lddw %r5, 0xdeadbeef00
            call 6
            exit
            """, configuration: configuration)
        #expect(harness.trace.lines == ["n=-5 u=7 x=deadbeef00\n"])
        #expect(length == UInt64("n=-5 u=7 x=deadbeef00\n".utf8.count))
    }

    /// A format that is not NUL-terminated within its size is -EINVAL, as in the kernel.
    @Test(arguments: ProgramHarness.configurations)
    func tracePrintkNeedsATerminatedFormat(configuration: ExecutionConfiguration) throws {
        let harness = ProgramHarness()
        let format = Array("abc".utf8)
        let data = try harness.table.create(MapDefinition(type: .array, keySize: 4, valueSize: format.count, maxEntries: 1))
        try harness.table.update(data, key: [0, 0, 0, 0], value: format)
        let result = try harness.run("""
            lddw %r1, map_value_fd \(data)+0
            mov %r2, \(format.count)
            call 6
            exit
            """, configuration: configuration)
        #expect(result == .errno(22))
        #expect(harness.trace.lines.isEmpty)
    }

    /// Called outside a run (no `LinkedProgram.run` around it) a helper has nothing to check its
    /// pointer arguments against, so it refuses them with -EFAULT rather than trusting them:
    /// even a pointer to a valid, terminated format.
    @Test func helpersOutsideARunRefusePointers() throws {
        let printk = try #require(HelperRegistry.kernel[6])
        var format = Array("abc\n".utf8) + [0]
        let printed = format.withUnsafeMutableBytes { printk.body(UInt64(UInt(bitPattern: $0.baseAddress)), UInt64($0.count), 0, 0, 0) }
        #expect(printed == .errno(14))

        let table = MapTable()
        let map = try table.create(MapDefinition(type: .hash, keySize: 4, valueSize: 8, maxEntries: 4))
        try table.update(map, key: [1, 0, 0, 0], value: [UInt8](repeating: 7, count: 8))
        let lookup = try #require(HelperRegistry.kernel[1])
        let mapAddress = try table.map(map).programAddress
        var key: [UInt8] = [1, 0, 0, 0]
        let found = key.withUnsafeMutableBytes { lookup.body(mapAddress, UInt64(UInt(bitPattern: $0.baseAddress)), 0, 0, 0) }
        #expect(found == 0, "a lookup outside a run must not dereference the key pointer")
    }

    /// ringbuf_output (130), reserve (131) + submit (132) / discard (133).
    @Test(arguments: ProgramHarness.configurations)
    func ringBufferHelpers(configuration: ExecutionConfiguration) throws {
        let harness = ProgramHarness()
        let ring = try harness.table.create(MapDefinition(type: .ringBuffer, keySize: 0, valueSize: 0, maxEntries: 4096))
        let output = try harness.run("""
            lddw %r1, 0x1122334455667788
            stxdw [%r10-8], %r1
            lddw %r1, map_fd \(ring)
            mov %r2, %r10
            add %r2, -8
            mov %r3, 8
            mov %r4, 0
            call 130
            exit
            """, configuration: configuration)
        #expect(output == 0)
        for (commit, marker) in [(132, 0xaa), (133, 0xbb), (132, 0xcc)] {
            let reserved = try harness.run("""
                lddw %r1, map_fd \(ring)
                mov %r2, 4
                mov %r3, 0
                call 131
                jeq %r0, 0, +5
                stw [%r0], \(marker)
                mov %r1, %r0
                mov %r2, 0
                call \(commit)
                mov %r0, 1
                exit
                """, configuration: configuration)
            #expect(reserved == 1)
        }
        // Flags on reserve must be 0: NULL otherwise.
        #expect(try harness.run("""
            lddw %r1, map_fd \(ring)
            mov %r2, 4
            mov %r3, 1
            call 131
            exit
            """, configuration: configuration) == 0)
        let records = try #require(try harness.table.map(ring) as? RingBufferMap).drain()
        #expect(records == [[0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11], [0xaa, 0, 0, 0], [0xcc, 0, 0, 0]])
    }

    /// Helpers given something that is not a live map fail cleanly instead of crashing.
    @Test func badMapPointersFail() throws {
        let helpers = HelperRegistry.kernel
        var key: UInt64 = 0
        withUnsafeMutablePointer(to: &key) { pointer in
            let keyAddress = UInt64(UInt(bitPattern: pointer))
            for bogus: UInt64 in [0, 1, keyAddress, 0xdead_beef_0000] {
                #expect(helpers[1]!.body(bogus, keyAddress, 0, 0, 0) == 0)
                #expect(helpers[2]!.body(bogus, keyAddress, keyAddress, 0, 0) == .errno(22))
                #expect(helpers[3]!.body(bogus, keyAddress, 0, 0, 0) == .errno(22))
                #expect(helpers[130]!.body(bogus, keyAddress, 8, 0, 0) == .errno(22))
                #expect(helpers[131]!.body(bogus, 8, 0, 0, 0) == 0)
                #expect(helpers[132]!.body(bogus, 0, 0, 0, 0) == 0)
                #expect(helpers[12]!.body(0, bogus, 0, 0, 0) == .errno(22))
            }
        }
    }

    /// An unverified program passing a key pointer outside its memory gets -EFAULT / NULL
    /// instead of the helper reading wild memory.
    @Test(arguments: Engine.allCases)
    func wildKeyPointersAreRefusedDuringRuns(engine: Engine) throws {
        let harness = ProgramHarness()
        let hash = try harness.table.create(MapDefinition(type: .hash, keySize: 4, valueSize: 8, maxEntries: 4))
        let configuration = ExecutionConfiguration(engine: engine, verify: false)
        #expect(try harness.run("""
            lddw %r1, map_fd \(hash)
            lddw %r2, 0x10
            mov %r3, %r2
            mov %r4, 0
            call 2
            exit
            """, configuration: configuration) == .errno(14))
        #expect(try harness.run("""
            lddw %r1, map_fd \(hash)
            lddw %r2, 0x10
            call 1
            exit
            """, configuration: configuration) == 0)
    }

    /// A helper registered from Swift: the verifier checks calls against its declared signature,
    /// and both engines call it.
    @Test(arguments: Engine.allCases)
    func userHelpersAreCheckedAndCalled(engine: Engine) throws {
        var helpers = HelperRegistry.kernel
        helpers.register(HelperFunction(
            id: 1000, name: "sum_bytes",
            signature: HelperSignature(arguments: [.memory, .memorySize], returns: .scalar),
            body: { address, size, _, _, _ in
                let bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: UInt(address)), count: Int(size))
                return bytes.reduce(0) { $0 + UInt64($1) }
            }))
        let harness = ProgramHarness()
        let configuration = ExecutionConfiguration(engine: engine)
        let sum = try harness.run("""
            lddw %r1, 0x0102030405060708
            stxdw [%r10-8], %r1
            mov %r1, %r10
            add %r1, -8
            mov %r2, 8
            call 1000
            exit
            """, configuration: configuration, helpers: helpers)
        #expect(sum == 36)
        // R2 is not a size the verifier can bound: rejected before running.
        #expect(throws: PipelineError.self) {
            try harness.run("""
                mov %r1, %r10
                add %r1, -8
                mov %r2, %r1
                call 1000
                exit
                """, configuration: configuration, helpers: helpers)
        }
    }
}
