import CPcap
import ClassicBPF
import EBPFCore

/// A classic program in libpcap's own form, run by libpcap's `bpf_filter`: the oracle that
/// translated filters are compared with, and a baseline for benchmarks.
public final class LibpcapFilter: @unchecked Sendable {
    // Immutable after init; libpcap only reads it.
    private let instructions: UnsafeMutablePointer<cpcap_insn>
    private let count: Int
    private let pcap: Libpcap

    /// Copies `program` into libpcap's layout; throws where libpcap cannot be loaded.
    public init(_ program: ClassicProgram) throws(LibpcapLoadError) {
        pcap = try Libpcap.shared()
        count = program.count
        instructions = .allocate(capacity: max(1, count))
        for (index, instruction) in program.instructions.enumerated() {
            instructions[index] = cpcap_insn(instruction)
        }
    }

    deinit { instructions.deallocate() }

    /// `bpf_validate(3)`: whether libpcap accepts the program.
    public var isValid: Bool { pcap.validate(instructions, Int32(count)) != 0 }

    /// `bpf_filter(3)` over captured bytes with the given wire length: the snap length to keep,
    /// 0 to drop.
    public func run(packet: UnsafeRawBufferPointer, wireLength: UInt32) -> UInt32 {
        let base = packet.baseAddress?.assumingMemoryBound(to: UInt8.self)
        return pcap.filter(instructions, base, wireLength, UInt32(packet.count))
    }

    /// `bpf_filter(3)` over each context in the ``ClassicBPF/CapturedPacketLayout`` (a 4-byte
    /// little-endian wire length, then the captured bytes), writing the result for context *i*
    /// to `results[i]`: libpcap's interpreter in a plain loop of direct calls, the baseline the
    /// JIT's batch entry is measured against. A context shorter than the length word gives 0.
    public func run(capturedPackets contexts: UnsafeBufferPointer<MemoryRegion>, results: UnsafeMutableBufferPointer<UInt64>) {
        precondition(results.count >= contexts.count, "results must have a slot for every context")
        let filter = pcap.filter
        let header = CapturedPacketLayout.headerSize
        for (index, context) in contexts.enumerated() {
            guard context.count >= UInt64(header), let start = UnsafeRawPointer(bitPattern: UInt(context.start)) else {
                results[index] = 0
                continue
            }
            let wire = UInt32(littleEndian: start.loadUnaligned(as: UInt32.self))
            let packet = (start + header).assumingMemoryBound(to: UInt8.self)
            results[index] = UInt64(filter(instructions, packet, wire, UInt32(context.count) - UInt32(header)))
        }
    }

    /// `pcap_offline_filter(3)`: whether the packet matches (the call tcpdump -r makes).
    public func matches(_ packet: PcapPacket) -> Bool {
        var program = cpcap_program(bf_len: UInt32(count), bf_insns: instructions)
        var header = cpcap_pkthdr()
        header.caplen = UInt32(packet.data.count)
        header.len = packet.originalLength
        return packet.data.withUnsafeBufferPointer { pcap.offlineFilter(&program, &header, $0.baseAddress) != 0 }
    }

    /// libpcap's `bpf_image`: one line of `tcpdump -d` output.
    public static func image(_ instruction: ClassicInstruction, at index: Int) throws(LibpcapLoadError) -> String {
        let pcap = try Libpcap.shared()
        var insn = cpcap_insn(instruction)
        return libpcapLock.withLock { _ in pcap.image(&insn, Int32(index)).map { String(cString: $0) } ?? "" }
    }
}

extension cpcap_insn {
    init(_ instruction: ClassicInstruction) {
        self.init(code: instruction.code, jt: instruction.jumpIfTrue, jf: instruction.jumpIfFalse, k: instruction.k)
    }
}
