import EBPF
import EBPFKernel
import Testing

/// The XDP context from the ground up: program types from section names, the rewriting of
/// `xdp_md` accesses (and its refusals, as the kernel's `xdp_is_valid_access`), the verifier's
/// packet pointers from the context, and the adjust helpers' effect on them.
@Suite struct XDPContextTests {
    static func link(_ source: String) throws -> LinkedProgram {
        try ProgramLinker().link(try Assembler.assemble(source), maps: [:], name: "p", type: .xdp)
    }

    static func verify(_ linked: LinkedProgram) throws(PipelineError) {
        _ = try linked.verify(configuration: ExecutionConfiguration(engine: .interpreter))
    }

    static let frame: [UInt8] = Array(0..<64)

    @Test(arguments: [
        ("xdp", ProgramType.xdp), ("xdp/devmap", .xdp), ("xdp.frags", .xdp), ("socket", .socketFilter),
        ("socket/1", .socketFilter), ("tc", .schedClassifier), ("classifier", .schedClassifier),
        ("tcx/ingress", .schedClassifier), ("raw", .raw), (".text", .raw), ("xdpfoo", .raw), ("raw_tp/x", .raw),
    ])
    func typeFromSection(section: String, type: ProgramType) {
        #expect(ProgramType(section: section) == type)
    }

    /// `r2 = ctx->data; r3 = ctx->data_end; if r2 + 14 > r3 ...; r0 = *(u8 *)(r2 + 13)`: both
    /// engines read the byte the kernel would.
    @Test(arguments: Engine.allCases)
    func readsThePacketThroughTheContext(engine: Engine) throws {
        let linked = try Self.link("""
            ldxw %r2, [%r1]
            ldxw %r3, [%r1+4]
            mov %r4, %r2
            add %r4, 14
            mov %r0, 0
            jgt %r4, %r3, out
            ldxb %r0, [%r2+13]
            ldxw %r5, [%r1+12]
            add %r0, %r5
            out:
            exit
            """)
        let runner = try linked.prepare(configuration: ExecutionConfiguration(engine: engine))
        var packet = Self.frame
        let result = try linked.run(using: runner, xdp: &packet)
        #expect(result.returnValue == 13 + 1)  // byte 13, plus ingress_ifindex 1
        #expect(result.packet == Self.frame)
    }

    @Test(arguments: [
        ("ldxdw %r2, [%r1]", "size=8"),
        ("ldxh %r2, [%r1+4]", "size=2"),
        ("ldxw %r2, [%r1+2]", "xdp_md.data is accessed as 4 bytes at its offset"),
        ("ldxw %r2, [%r1+20]", "not at a field"),  // egress_ifindex: devmap programs only
        ("ldxw %r2, [%r1+24]", "outside xdp_md"),
        ("stxw [%r1+12], %r2", "read-only"),
        ("add %r1, 4\nldxw %r2, [%r1]", "modified ctx ptr"),
    ])
    func invalidContextAccessesAreLinkErrors(access: String, fragment: String) throws {
        let source = "mov %r2, 0\n" + access + "\nmov %r0, 2\nexit"
        let error = #expect(throws: LinkError.self) { try Self.link(source) }
        #expect(error?.description.contains(fragment) == true, "\(String(describing: error))")
    }

    @Test func aRegisterThatIsTheContextOnOnePathOnlyIsRefused() throws {
        let error = #expect(throws: LinkError.self) {
            try Self.link("""
                mov %r6, %r1
                jeq %r2, 0, skip
                mov %r6, %r10
                add %r6, -8
                skip:
                ldxw %r0, [%r6]
                exit
                """)
        }
        #expect(error?.description.contains("some paths only") == true)
    }

    @Test func theContextSpilledToTheStackIsStillRewritten() throws {
        let linked = try Self.link("""
            stxdw [%r10-8], %r1
            ldxdw %r6, [%r10-8]
            ldxw %r2, [%r6]
            ldxw %r3, [%r6+4]
            mov %r0, %r3
            sub %r0, %r2
            exit
            """)
        let runner = try linked.prepare(configuration: ExecutionConfiguration(engine: .jit))
        var packet = Self.frame
        #expect(try linked.run(using: runner, xdp: &packet).returnValue == 64)
    }

    @Test func aPacketAccessWithoutABoundsCheckIsRejected() throws {
        let linked = try Self.link("""
            ldxw %r2, [%r1]
            ldxb %r0, [%r2+13]
            exit
            """)
        #expect(throws: PipelineError.self) { try Self.verify(linked) }
    }

    @Test func packetPointersDoNotSurviveAnAdjustHelper() throws {
        // The bounds check is proven before bpf_xdp_adjust_head; the access after it uses the
        // old pointer, which the kernel and the verifier both refuse.
        let before = """
            mov %r6, %r1
            ldxw %r7, [%r1]
            ldxw %r3, [%r1+4]
            mov %r4, %r7
            add %r4, 14
            mov %r0, 0
            jgt %r4, %r3, out
            mov %r1, %r6
            mov %r2, 4
            call 44
            """
        let stale = try Self.link(before + "\nldxb %r0, [%r7+13]\nout:\nexit")
        #expect(throws: PipelineError.self) { try Self.verify(stale) }
        let reloaded = try Self.link(before + """

            ldxw %r7, [%r6]
            ldxw %r3, [%r6+4]
            mov %r4, %r7
            add %r4, 14
            mov %r0, 0
            jgt %r4, %r3, out
            ldxb %r0, [%r7+13]
            out:
            exit
            """)
        try Self.verify(reloaded)
        let runner = try reloaded.prepare(configuration: ExecutionConfiguration(engine: .jit))
        var packet = Self.frame
        let result = try reloaded.run(using: runner, xdp: &packet)
        #expect(result.returnValue == 17)  // byte 13 of the packet that starts 4 bytes later
        #expect(result.packet == Array(Self.frame[4...]))
    }

    /// The adjust helpers' limits, as the kernel's: the head may not move into the frame's
    /// reserved start nor leave fewer than 14 bytes, the tail may not pass the reserved end.
    /// `bpf_redirect` returns the kernel's verdict and the run records the target.
    @Test(arguments: [(UInt64(0), UInt64(4), PacketRedirect(interface: 7, flags: 0) as PacketRedirect?), (1, 0, nil)])
    func redirectIsRecorded(flags: UInt64, verdict: UInt64, redirect: PacketRedirect?) throws {
        let linked = try Self.link("""
            mov %r1, 7
            mov %r2, \(flags)
            call 23
            exit
            """)
        for engine in Engine.allCases {
            let runner = try linked.prepare(configuration: ExecutionConfiguration(engine: engine))
            var packet = Self.frame
            let result = try linked.run(using: runner, xdp: &packet)
            #expect(result.returnValue == verdict)
            #expect(result.redirect == redirect)
        }
    }

    static let adjustCases: [(helper: Int32, delta: Int32, expected: Int64)] = [
        (44, -216, 0), (44, -217, -22), (44, 50, 0), (44, 51, -22),
        (65, 3456, 0), (65, 3457, -22), (65, -50, 0), (65, -51, -22),
        (54, -4, 0), (54, -2, -13), (54, -216, 0), (54, -214, -13), (54, -220, -22), (54, 4, -22),
    ]

    @Test(arguments: adjustCases)
    func adjustHelperLimits(helper: Int32, delta: Int32, expected: Int64) throws {
        let source = """
            mov %r2, \(delta)
            call \(helper)
            exit
            """
        let linked = try Self.link(source)
        // The kernel agrees, where it may be asked (it refuses bpf_xdp_adjust_meta here).
        if KernelBPF.isAvailable, helper != 54,
            case .success(let kernel) = KernelBPF.loadProgram(try Assembler.assemble(source).instructions, type: .xdp)
        {
            #expect(Int64(Int32(bitPattern: try KernelBPF.testRun(kernel, packet: Self.frame).returnValue)) == expected)
        }
        for engine in Engine.allCases {
            let runner = try linked.prepare(configuration: ExecutionConfiguration(engine: engine))
            var packet = Self.frame
            let result = try linked.run(using: runner, xdp: &packet)
            #expect(Int64(bitPattern: result.returnValue) == expected, "helper \(helper) delta \(delta) on \(engine)")
        }
    }
}
