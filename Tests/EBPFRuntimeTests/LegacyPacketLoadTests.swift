import EBPF
import EBPFKernel
import Testing

/// `BPF_LD_ABS` and `BPF_LD_IND` in socket filters and tc programs: the kernel's verifier rules
/// (`check_ld_abs`: R6 the unmodified context, R1-R5 unreadable afterwards, not in XDP) and what
/// the loads read (big-endian bytes from `skb->data`, the `SKF_NET_OFF` and `SKF_LL_OFF`
/// windows, 0 and the end of the program past the packet, for `ldind` through the engines' stubs
/// as well), each compared with the kernel where bpf() works.
@Suite struct LegacyPacketLoadTests {
    static let programs: [(name: String, type: ProgramType, source: String, accepted: Bool)] = [
        ("ldabs through R6", .socketFilter, "mov %r6, %r1\nldabsb 9\nexit", true),
        ("ldabs with R6 unset", .socketFilter, "ldabsb 9\nexit", false),
        ("ldabs with R6 a number", .socketFilter, "mov %r6, 0\nldabsb 9\nexit", false),
        ("ldabs with R6 moved", .schedClassifier, "mov %r6, %r1\nadd %r6, 4\nldabsh 12\nexit", false),
        ("ldind", .schedClassifier, "mov %r6, %r1\nmov %r7, 14\nldindw %r7, 12\nexit", true),
        ("ldind with an unset index", .schedClassifier, "mov %r6, %r1\nldindw %r7, 12\nexit", false),
        ("R1 after ldabs", .socketFilter, "mov %r6, %r1\nldabsb 9\nmov %r0, %r1\nexit", false),
        ("R2 after ldabs", .socketFilter, "mov %r6, %r1\nmov %r2, 1\nldabsb 9\nmov %r0, %r2\nexit", false),
        ("R7 after ldabs", .socketFilter, "mov %r6, %r1\nmov %r7, 1\nldabsb 9\nadd %r0, %r7\nexit", true),
        ("ldabs in XDP", .xdp, "mov %r6, %r1\nldabsb 9\nexit", false),
    ]

    @Test(arguments: programs.indices)
    func verifierAgreesWithTheKernel(index: Int) throws {
        let test = Self.programs[index]
        let program = try Assembler.assemble(test.source)
        let linked = try? ProgramLinker().link(program, maps: [:], name: "p", license: "GPL", type: test.type)
        let verified = linked.map { (try? $0.verify(configuration: ExecutionConfiguration(engine: .interpreter))) != nil } ?? false
        #expect(verified == test.accepted, "\(test.name)")
        guard KernelBPF.isAvailable else { return }
        let type: KernelBPF.ProgramType =
            switch test.type {
            case .xdp: .xdp
            case .socketFilter: .socketFilter
            default: .schedClassifier
            }
        let kernel = KernelBPF.loadProgram(program.instructions, type: type)
        if case .success = kernel { #expect(test.accepted, "\(test.name): the kernel accepts it") } else {
            #expect(!test.accepted, "\(test.name): the kernel refuses it")
        }
    }

    /// A 60-byte IPv4/UDP frame whose bytes are all different, high bits included.
    static let frame: [UInt8] =
        [0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x06, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00]
        + [0x45, 0x00, 0x00, 0x2e, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0xab, 0xcd, 0xc0, 0xa8, 0x01, 0x02, 0x8a, 0x00, 0x00, 0x05]
        + (0..<26).map { UInt8(0x90 + $0) }

    /// Offsets (from `skb->data`, as the kernel takes them) for `ldabs` and, as index plus
    /// immediate, for `ldind`.
    static let offsets: [Int32] = [
        0, 1, 9, 12, 16, 26, 33, 40, 42, 43, 44, 45, 46, 47, 58, 59, 60, -1, -14, -200, -206, -300, 0x7fff_fff0,
        Int32.min, -0x10_0000, -0x10_0000 + 9, -0x10_0000 + 44, -0x20_0000, -0x20_0000 + 12, -0x20_0000 + 59, -0x20_0001,
    ]

    struct LoadCase: Sendable, CustomTestStringConvertible {
        var type: ProgramType
        var size: Int
        var indirect: Bool
        var testDescription: String { "\(type) \(indirect ? "ldind" : "ldabs") \(size)" }
    }

    static let loadCases: [LoadCase] = [ProgramType.socketFilter, .schedClassifier].flatMap { type in
        [1, 2, 4].flatMap { size in [false, true].map { LoadCase(type: type, size: size, indirect: $0) } }
    }

    /// `r0 = load(offset); r0 += 1; exit` (R0 + 1 tells a load of 0 from the end of the
    /// program): both engines, the unverified interpreter and the kernel's test run agree.
    @Test(arguments: loadCases)
    func loadsReadWhatTheKernelReads(test: LoadCase) throws {
        let suffix = ["", "b", "h", "", "w"][test.size]
        var mismatches: [String] = []
        for offset in Self.offsets {
            // ldind: the index carries the offset but 3, the immediate adds 3; the index is R2 (a
            // register the load clobbers) for half-words, R7 otherwise.
            let index = test.size == 2 ? 2 : 7
            let source =
                test.indirect
                ? "mov %r6, %r1\nlddw %r\(index), \(Int64(offset) - 3)\nldind\(suffix) %r\(index), 3\nadd %r0, 1\nexit"
                : "mov %r6, %r1\nldabs\(suffix) \(offset)\nadd %r0, 1\nexit"
            let program = try Assembler.assemble(source)
            let linked = try ProgramLinker().link(program, maps: [:], name: "p", license: "GPL", type: test.type)
            var values: [UInt64] = []
            for configuration in [
                ExecutionConfiguration(engine: .interpreter), ExecutionConfiguration(engine: .jit),
                ExecutionConfiguration(engine: .interpreter, verify: false),
            ] {
                let runner = try linked.prepare(configuration: configuration)
                values.append(try linked.run(using: runner, socketBuffer: Self.frame).returnValue)
            }
            if Set(values).count != 1 { mismatches.append("offset \(offset): engines \(values)") }
            guard KernelBPF.isAvailable else { continue }
            let kernel = try KernelBPF.loadProgram(program.instructions, type: test.type == .socketFilter ? .socketFilter : .schedClassifier).get()
            let run = try KernelBPF.testRun(kernel, packet: Self.frame)
            if UInt64(run.returnValue) != values[0] & 0xffff_ffff {
                mismatches.append("offset \(offset): kernel \(run.returnValue), here \(values[0])")
            }
        }
        #expect(mismatches.isEmpty, "\(test.testDescription): \(mismatches)")
    }
}

/// Stores to `__sk_buff.queue_mapping`, which the kernel keeps in 16 bits and skips for
/// `NO_QUEUE_MAPPING` (0xffff) or more: a register store through the linker's guard, a
/// constant store dropped at link time; read back the way the kernel reads it.
@Suite struct QueueMappingStoreTests {
    static let values: [Int64] = [0, 5, 0xfffe, 0xffff, 0x1_0000, 0x1_0005, 0x1_0000_0005, -1]

    @Test(arguments: values)
    func storesMatchTheKernel(value: Int64) throws {
        let sources = [
            "lddw %r2, \(value)\nstxw [%r1+12], %r2\nldxw %r0, [%r1+12]\nexit",
            "stw [%r1+12], \(Int32(truncatingIfNeeded: value))\nldxw %r0, [%r1+12]\nexit",
        ]
        for source in sources {
            let program = try Assembler.assemble(source)
            let linked = try ProgramLinker().link(program, maps: [:], name: "p", license: "GPL", type: .schedClassifier)
            var results: [UInt64] = []
            for configuration in [
                ExecutionConfiguration(engine: .interpreter), ExecutionConfiguration(engine: .jit),
                ExecutionConfiguration(engine: .interpreter, verify: false),
            ] {
                let runner = try linked.prepare(configuration: configuration)
                let result = try linked.run(using: runner, socketBuffer: LegacyPacketLoadTests.frame)
                #expect(UInt64(result.fields.queueMapping) == result.returnValue)
                results.append(result.returnValue)
            }
            #expect(Set(results).count == 1, "\(source): \(results)")
            let expected: UInt64 =
                source.hasPrefix("stw")
                ? (Int32(truncatingIfNeeded: value) >= 0xffff ? 0 : UInt64(bitPattern: value) & 0xffff)  // the kernel compares the s32
                : (UInt64(bitPattern: value) >= 0xffff ? 0 : UInt64(bitPattern: value) & 0xffff)
            #expect(results[0] == expected, "\(source)")
            guard KernelBPF.isAvailable else { continue }
            let kernel = try KernelBPF.loadProgram(program.instructions, type: .schedClassifier).get()
            #expect(UInt64(try KernelBPF.testRun(kernel, packet: LegacyPacketLoadTests.frame).returnValue) == results[0], "\(source)")
        }
    }
}
