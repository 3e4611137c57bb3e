import EBPF
import EBPFKernel
import EBPFTestSupport
import Foundation
import Testing

/// Every program of the socket-filter and tc corpus (`Tests/Corpus/skb`) on 1,000 generated
/// frames: both engines after the verifier and the interpreter without it give the same R0 and
/// output packet, and where bpf() is allowed so does the kernel's `BPF_PROG_TEST_RUN`.
@Suite struct SocketBufferCorpusTests {
    static let names = [
        "socket_ipv4_only", "socket_tcp_port", "socket_ctx_fields", "socket_narrow_fields", "tc_drop_ports", "tc_ttl_rewrite",
        "tc_narrow_classify", "tc_ctx_write", "socket_ld_abs", "tc_ld_abs", "tc_meta_check",
    ]
    /// Frames the kernel's skb test run accepts: IPv4 and IPv6 ones need their whole IP header.
    static let packets = XDPCorpus.packets(count: 1_200, seed: 26).filter { frame in
        switch (frame[12], frame[13]) {
        case (0x08, 0x00): frame.count >= 34
        case (0x86, 0xdd): frame.count >= 54
        default: true
        }
    }.prefix(1_000).map { $0 }

    /// `sizeof(struct __sk_buff)`: the `ctx_out` the kernel fills.
    static let socketBufferSize = 192

    /// The fields the kernel's test run gives back in `ctx_out` and a program may write: `mark`
    /// (@8), `priority` (@32), `cb[0..4]` (@48).
    static func reportedFields(_ context: [UInt8]) -> [UInt32] {
        [8, 32, 48, 52, 56, 60, 64].map { offset in
            context[offset..<(offset + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) }
        }
    }

    static func reportedFields(of fields: SocketBufferFields) -> [UInt32] { [fields.mark, fields.priority] + fields.cb }

    @Test func theFramesAreAThousand() {
        #expect(Self.packets.count == 1_000)
    }

    /// Frames the kernel refuses, refused alike: an IP header cut short.
    @Test func framesWithACutIPHeaderAreRefused() throws {
        let object = try LoadedObject(bytes: Array(try Data(contentsOf: RepositoryLayout.url("Tests/Corpus/skb/socket_ipv4_only.o"))))
        let program = try object.link("socket_ipv4_only")
        let runner = try program.prepare(configuration: ExecutionConfiguration(engine: .interpreter))
        let frame: [UInt8] = Array(repeating: 2, count: 12) + [0x08, 0x00] + Array(repeating: 0x45, count: 19)
        #expect(throws: PacketRunError.self) { try program.run(using: runner, socketBuffer: frame) }
        #expect(try program.run(using: runner, socketBuffer: frame + [0]).returnValue == 20)
    }

    @Test(arguments: names)
    func enginesAndKernelAgree(name: String) throws {
        let object = try LoadedObject(bytes: Array(try Data(contentsOf: RepositoryLayout.url("Tests/Corpus/skb/\(name).o"))))
        let program = try object.link(name)
        #expect(program.type == (name.hasPrefix("tc_") ? .schedClassifier : .socketFilter))
        let runners: [any ProgramRunner] = [
            try program.prepare(configuration: ExecutionConfiguration(engine: .interpreter)),
            try program.prepare(configuration: ExecutionConfiguration(engine: .jit)),
            try program.prepare(configuration: ExecutionConfiguration(engine: .interpreter, verify: false)),
        ]
        var kernel: KernelProgram?
        let type: KernelBPF.ProgramType = program.type == .schedClassifier ? .schedClassifier : .socketFilter
        switch XDPCorpus.kernelProgram(object, name, type: type) {
        case .success(let loaded): kernel = loaded.program
        case .failure(let skip) where skip.refused: Issue.record("the kernel refused \(name): \(skip)")
        case .failure(let skip): print("\(name): kernel comparison skipped: \(skip)")
        }
        var mismatches: [String] = []
        var results: Set<UInt64> = []
        var written = 0
        for (index, packet) in Self.packets.enumerated() {
            let expected = try program.run(using: runners[0], socketBuffer: packet)
            results.insert(expected.returnValue)
            for runner in runners.dropFirst() {
                let other = try program.run(using: runner, socketBuffer: packet)
                if other != expected { mismatches.append("packet \(index): \(expected.returnValue) vs \(other.returnValue)") }
            }
            if let kernel {
                let run: KernelBPF.PacketRun
                do {
                    run = try KernelBPF.testRun(kernel, packet: packet, contextOutputSize: Self.socketBufferSize)
                } catch {
                    mismatches.append("packet \(index) (\(packet.count) bytes): kernel errno \(error.errno)")
                    continue
                }
                if UInt64(run.returnValue) != expected.returnValue & 0xffff_ffff || run.packet != expected.packet {
                    mismatches.append(
                        "packet \(index) (\(packet.count) bytes): kernel \(run.returnValue) \(run.packet.count) bytes, "
                            + "interpreter \(expected.returnValue) \(expected.packet.count) bytes")
                }
                let kernelFields = Self.reportedFields(run.context)
                let ours = Self.reportedFields(of: expected.fields)
                if kernelFields != ours {
                    mismatches.append("packet \(index): the kernel's ctx_out \(kernelFields), the interpreter's \(ours)")
                }
                if expected.fields != SocketBufferFields() { written += 1 }
            }
        }
        #expect(mismatches.count == 0, "\(name): \(mismatches.count) mismatches, first: \(mismatches.prefix(3))")
        print("\(name): \(results.count) distinct results, \(written) runs wrote context fields, kernel \(kernel == nil ? "skipped" : "compared")")
    }
}
