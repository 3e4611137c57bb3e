import EBPF
import EBPFKernel
import Testing

/// `xdp_md.data_meta`: a `pkt_meta` pointer the verifier lets a program use below the packet's
/// start once a comparison with `ctx->data` itself proves the bytes (the kernel's
/// `find_good_pkt_pointers` for `PTR_TO_PACKET_META`), metadata given to a run, and the same
/// verdict on each program from the kernel's verifier where bpf() works.
@Suite struct XDPMetadataTests {
    /// `r2 = data; r3 = data_meta; r4 = r3 + 4; <check>; r0 = *(u32 *)(r3 + 0); exit`.
    static func program(check: String, access: String = "ldxw %r0, [%r3]") -> String {
        """
        ldxw %r2, [%r1]
        ldxw %r3, [%r1+8]
        ldxw %r5, [%r1+4]
        mov %r4, %r3
        add %r4, 4
        mov %r0, 0
        \(check)
        \(access)
        out:
        exit
        """
    }

    static let cases: [(name: String, source: String, accepted: Bool)] = [
        ("no check", program(check: ""), false),
        ("meta + 4 > data", program(check: "jgt %r4, %r2, out"), true),
        ("data < meta + 4", program(check: "jlt %r2, %r4, out"), true),
        ("data >= meta + 4, inverted", program(check: "jge %r2, %r4, ok\nja out\nok:"), true),
        ("store after the check", program(check: "jgt %r4, %r2, out", access: "stw [%r3], 7\nldxw %r0, [%r3]"), true),
        ("read past the proven bytes", program(check: "jgt %r4, %r2, out", access: "ldxw %r0, [%r3+2]"), false),
        ("meta + 4 > data + 1", program(check: "add %r2, 1\njgt %r4, %r2, out"), false),
        ("meta + 4 > data_end", program(check: "jgt %r4, %r5, out"), false),
        ("below the metadata", program(check: "jgt %r4, %r2, out", access: "ldxb %r0, [%r3-1]"), false),
    ]

    @Test(arguments: cases.indices)
    func verifierAgreesWithTheKernel(index: Int) throws {
        let test = Self.cases[index]
        let program = try Assembler.assemble(test.source)
        let linked = try ProgramLinker().link(program, maps: [:], name: "p", license: "GPL", type: .xdp)
        let verified = (try? linked.verify(configuration: ExecutionConfiguration(engine: .interpreter))) != nil
        #expect(verified == test.accepted, "\(test.name)")
        guard KernelBPF.isAvailable else { return }
        let kernel = KernelBPF.loadProgram(program.instructions, type: .xdp)
        if case .success = kernel { #expect(test.accepted, "\(test.name): the kernel accepts it") } else {
            #expect(!test.accepted, "\(test.name): the kernel refuses it")
        }
    }

    /// The metadata given to a run is what `data_meta` points at; a program's store to it comes
    /// back in the result; a packet with no metadata fails the check.
    @Test(arguments: Engine.allCases)
    func metadataIsReadAndWritten(engine: Engine) throws {
        let linked = try ProgramLinker().link(
            try Assembler.assemble(Self.program(check: "jgt %r4, %r2, out", access: "ldxw %r0, [%r3]\nadd %r0, 1\nstxw [%r3], %r0")),
            maps: [:], name: "p", license: "GPL", type: .xdp)
        let runner = try linked.prepare(configuration: ExecutionConfiguration(engine: engine))
        var packet = [UInt8](repeating: 0xee, count: 60)
        let result = try linked.run(using: runner, xdp: &packet, metadata: [1, 2, 3, 4, 9, 9, 9, 9])
        #expect(result.returnValue == 0x0403_0202)
        #expect(result.metadata == [2, 2, 3, 4, 9, 9, 9, 9])
        #expect(result.packet == [UInt8](repeating: 0xee, count: 60))
        var bare = [UInt8](repeating: 0xee, count: 60)
        #expect(try linked.run(using: runner, xdp: &bare).returnValue == 0)
        #expect(throws: PacketRunError.self) { var p = bare; _ = try linked.run(using: runner, xdp: &p, metadata: [1, 2]) }
    }

    /// A metadata pointer does not survive `bpf_xdp_adjust_meta`, like a packet pointer.
    @Test func metadataPointersDoNotSurviveAnAdjustHelper() throws {
        let source = """
            mov %r6, %r1
            ldxw %r2, [%r1]
            ldxw %r3, [%r1+8]
            mov %r7, %r3
            mov %r4, %r3
            add %r4, 4
            mov %r0, 0
            jgt %r4, %r2, out
            mov %r1, %r6
            mov %r2, -4
            call 54
            ldxw %r0, [%r7]
            out:
            exit
            """
        let linked = try ProgramLinker().link(try Assembler.assemble(source), maps: [:], name: "p", license: "GPL", type: .xdp)
        #expect(throws: PipelineError.self) { try linked.verify(configuration: ExecutionConfiguration(engine: .interpreter)) }
    }
}
