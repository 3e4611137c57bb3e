#if Libpcap
import CPcap
import ClassicBPF

/// A classic program in libpcap's own form, run by libpcap's `bpf_filter`: the oracle that
/// translated filters are compared with, and a baseline for benchmarks.
public final class LibpcapFilter: @unchecked Sendable {
    // Immutable after init; libpcap only reads it.
    private let instructions: UnsafeMutablePointer<bpf_insn>
    private let count: Int

    public init(_ program: ClassicProgram) {
        count = program.count
        instructions = .allocate(capacity: max(1, count))
        for (index, instruction) in program.instructions.enumerated() {
            instructions[index] = bpf_insn(code: instruction.code, jt: instruction.jumpIfTrue, jf: instruction.jumpIfFalse, k: instruction.k)
        }
    }

    deinit { instructions.deallocate() }

    /// `bpf_validate(3)`: whether libpcap accepts the program.
    public var isValid: Bool { bpf_validate(instructions, Int32(count)) != 0 }

    /// `bpf_filter(3)` over captured bytes with the given wire length: the snap length to keep,
    /// 0 to drop.
    public func run(packet: UnsafeRawBufferPointer, wireLength: UInt32) -> UInt32 {
        let base = packet.baseAddress?.assumingMemoryBound(to: UInt8.self)
        return bpf_filter(instructions, base, wireLength, UInt32(packet.count))
    }

    /// `pcap_offline_filter(3)`: whether the packet matches (the call tcpdump -r makes).
    public func matches(_ packet: PcapPacket) -> Bool {
        var program = bpf_program(bf_len: UInt32(count), bf_insns: instructions)
        var header = pcap_pkthdr()
        header.caplen = UInt32(packet.data.count)
        header.len = packet.originalLength
        return packet.data.withUnsafeBufferPointer { pcap_offline_filter(&program, &header, $0.baseAddress) != 0 }
    }

    /// libpcap's `bpf_image`: one line of `tcpdump -d` output.
    public static func image(_ instruction: ClassicInstruction, at index: Int) -> String {
        var insn = bpf_insn(code: instruction.code, jt: instruction.jumpIfTrue, jf: instruction.jumpIfFalse, k: instruction.k)
        return libpcapLock.withLock { _ in String(cString: bpf_image(&insn, Int32(index))) }
    }
}
#endif
