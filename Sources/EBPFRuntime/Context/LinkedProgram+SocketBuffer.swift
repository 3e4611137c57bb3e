import EBPFCore

extension LinkedProgram {
    /// Runs a socket filter or tc classifier on an Ethernet frame the way the kernel's
    /// `BPF_PROG_TEST_RUN` does for skb programs on the loopback device: `len`, `pkt_type`
    /// (``SocketBufferContext/packetType(_:)``), `protocol` and `ifindex` (1) set, every other
    /// field 0; the packet in a zeroed frame at ``SocketBufferContext/headroom``, from its network
    /// header for a socket filter and from its Ethernet header for tc. Like the kernel's, the run
    /// refuses IPv4 and IPv6 frames whose IP header is cut short
    /// (``PacketRunError/networkHeaderTooShort(length:)``).
    public func run(
        using runner: some ProgramRunner, socketBuffer frame: [UInt8], trace: TraceLog? = nil
    ) throws(PacketRunError) -> SocketBufferResult {
        guard type == .socketFilter || type == .schedClassifier else {
            throw .wrongType(type, expected: "a socket filter or tc program")
        }
        guard frame.count >= SocketBufferContext.minPacketLength else { throw .packetTooShort(length: frame.count) }
        guard frame.count <= SocketBufferContext.maxPacketLength else { throw .packetTooLong(length: frame.count) }
        guard SocketBufferContext.hasWholeNetworkHeader(frame) else { throw .networkHeaderTooShort(length: frame.count) }
        let frameStart = SocketBufferContext.blockSize + SocketBufferContext.headroom
        var buffer = [UInt8](repeating: 0, count: frameStart + frame.count + SocketBufferContext.tailroom)
        let pulled = type == .socketFilter ? 14 : 0
        var outcome: Result<SocketBufferResult, PacketRunError> = .failure(.packetTooShort(length: 0))
        buffer.withUnsafeMutableBytes { memory in
            let base = memory.baseAddress!
            frame.withUnsafeBytes { (base + frameStart).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            let data = base + frameStart + pulled
            base.storeBytes(of: UInt32(frame.count - pulled), toByteOffset: SocketBufferContext.lenOffset, as: UInt32.self)
            base.storeBytes(of: SocketBufferContext.packetType(frame), toByteOffset: SocketBufferContext.pktTypeOffset, as: UInt32.self)
            let (high, low) = SocketBufferContext.protocolBytes(frame)
            base.storeBytes(of: high, toByteOffset: SocketBufferContext.protocolOffset, as: UInt8.self)
            base.storeBytes(of: low, toByteOffset: SocketBufferContext.protocolOffset + 1, as: UInt8.self)
            base.storeBytes(of: UInt32(1), toByteOffset: SocketBufferContext.ifindexOffset, as: UInt32.self)
            base.storeBytes(of: UInt64(UInt(bitPattern: data)), toByteOffset: SocketBufferContext.dataOffset, as: UInt64.self)
            base.storeBytes(of: UInt64(UInt(bitPattern: data)), toByteOffset: SocketBufferContext.dataMetaOffset, as: UInt64.self)
            base.storeBytes(
                of: UInt64(UInt(bitPattern: base + frameStart + frame.count)), toByteOffset: SocketBufferContext.dataEndOffset,
                as: UInt64.self)
            do throws(ExecutionTrap) {
                // The run's memory ends at the packet's end: the legacy packet loads (BPF_LD_ABS,
                // BPF_LD_IND) read up to there and end the program past it.
                let r0 = try run(
                    using: runner, memory: UnsafeMutableRawBufferPointer(rebasing: memory[0..<(frameStart + frame.count)]), trace: trace)
                var packet = Array(memory[frameStart..<(frameStart + frame.count)])
                // The kernel gives the pulled Ethernet header back as zeros.
                for index in 0..<pulled { packet[index] = 0 }
                outcome = .success(
                    SocketBufferResult(
                        returnValue: r0, packet: packet, redirect: PacketRedirect.recorded(in: base, at: SocketBufferContext.redirectOffset),
                        fields: SocketBufferFields(block: base)))
            } catch {
                outcome = .failure(.trap(error))
            }
        }
        return try outcome.get()
    }
}
