import EBPF
import EBPFKernel
import EBPFTestSupport
import Foundation
import Testing

/// Every program of the XDP corpus on 1,000 generated frames: the interpreter and the JIT (both
/// after the verifier) and the interpreter without the verifier (every access checked at run
/// time) give the same verdict and output packet, and where bpf() is allowed so does the
/// kernel's `BPF_PROG_TEST_RUN`, bit for bit.
@Suite struct XDPCorpusTests {
    static let packets = XDPCorpus.packets(count: 1_000)

    @Test(arguments: XDPCorpus.names)
    func enginesAndKernelAgree(name: String) throws {
        let object = try XDPCorpus.object(name)
        let program = try object.link(name)
        #expect(program.type == .xdp)
        let interpreter = try program.prepare(configuration: ExecutionConfiguration(engine: .interpreter))
        let jit = try program.prepare(configuration: ExecutionConfiguration(engine: .jit))
        let unverified = try program.prepare(configuration: ExecutionConfiguration(engine: .interpreter, verify: false))
        var kernel: KernelProgram?
        switch XDPCorpus.kernelInstructions(object, name) {
        case .success(let instructions):
            switch KernelBPF.loadProgram(instructions, type: .xdp, license: object.object.license ?? "GPL") {
            case .success(let loaded):
                kernel = loaded
                #expect(XDPCorpus.kernelRefusals[name] == nil, "the kernel now accepts \(name)")
            case .failure(let error):
                if let reason = XDPCorpus.kernelRefusals[name] {
                    #expect(error.reason.contains(reason), "\(error)")
                } else {
                    Issue.record("the kernel refused \(name): \(error)")
                }
            }
        case .failure(let skip):
            print("\(name): kernel comparison skipped: \(skip)")
        }
        var mismatches: [String] = []
        var verdicts: [UInt32: Int] = [:]
        for (index, packet) in Self.packets.enumerated() {
            var first = packet
            let expected = try program.run(using: interpreter, xdp: &first)
            var second = packet
            let compiled = try program.run(using: jit, xdp: &second)
            verdicts[expected.action.rawValue, default: 0] += 1
            if compiled != expected { mismatches.append("packet \(index): interpreter \(expected.action), jit \(compiled.action)") }
            var third = packet
            let checked = try program.run(using: unverified, xdp: &third)
            if checked != expected {
                mismatches.append("packet \(index): interpreter \(expected.action), unverified \(checked.action)")
            }
            if let kernel {
                let run = try KernelBPF.testRun(kernel, packet: packet)
                if run.returnValue != expected.action.rawValue || run.packet != expected.packet {
                    mismatches.append(
                        "packet \(index) (\(packet.count) bytes): kernel \(run.returnValue) \(run.packet.count) bytes, "
                            + "interpreter \(expected.action) \(expected.packet.count) bytes")
                }
            }
        }
        #expect(mismatches.count == 0, "\(name): \(mismatches.count) mismatches, first: \(mismatches.prefix(3))")
        print("\(name): verdicts \(verdicts.sorted { $0.key < $1.key }), kernel \(kernel == nil ? "skipped" : "compared")")
    }
}
