import EBPFCore

extension LinkedProgram {
    /// Runs an XDP program on `packet` the way the kernel's `BPF_PROG_TEST_RUN` does: the packet
    /// in a fresh zeroed frame of ``XDPContext/frameSize`` bytes at ``XDPContext/headroom``,
    /// R1 pointing at the XDP context (``XDPContext``). On return `packet` holds the packet as the
    /// program left it (moved, grown or shrunk by the `bpf_xdp_adjust_*` helpers), as does the
    /// result.
    ///
    /// ```swift
    /// let program = try object.link("xdp_reflect")
    /// let runner = try program.prepare(configuration: ExecutionConfiguration(engine: .jit))
    /// var frame: [UInt8] = ...
    /// let result = try program.run(using: runner, xdp: &frame)
    /// print(result.action)  // 3 XDP_TX
    /// ```
    /// - Parameters:
    ///   - runner: an engine built from this program (``prepare``).
    ///   - ingressInterface: `ctx->ingress_ifindex` (1, the loopback device, in the kernel's test run).
    ///   - rxQueue: `ctx->rx_queue_index`.
    ///   - metadata: bytes of metadata before the packet (`ctx->data_meta` points at them), as a
    ///     driver or an earlier program left them and as the kernel's test run takes them from a
    ///     context whose `data` is their length: a multiple of 4, at most
    ///     ``XDPContext/maxMetadataLength`` (``PacketRunError/invalidMetadata(length:)``).
    public func run(
        using runner: some ProgramRunner, xdp packet: inout [UInt8], ingressInterface: UInt32 = 1, rxQueue: UInt32 = 0,
        metadata: [UInt8] = [], trace: TraceLog? = nil
    ) throws(PacketRunError) -> XDPResult {
        guard type == .xdp else { throw .wrongType(type, expected: "an XDP program") }
        guard packet.count >= XDPContext.minPacketLength else { throw .packetTooShort(length: packet.count) }
        guard packet.count <= XDPContext.maxPacketLength else { throw .packetTooLong(length: packet.count) }
        guard metadata.count % 4 == 0, metadata.count <= XDPContext.maxMetadataLength else {
            throw .invalidMetadata(length: metadata.count)
        }
        var buffer = [UInt8](repeating: 0, count: XDPContext.blockSize + XDPContext.frameSize)
        var outcome: Result<XDPResult, PacketRunError> = .failure(.packetTooShort(length: 0))
        let input = packet
        buffer.withUnsafeMutableBytes { memory in
            let base = memory.baseAddress!
            let hardStart = base + XDPContext.blockSize
            let data = hardStart + XDPContext.headroom
            input.withUnsafeBytes { data.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            if !metadata.isEmpty {
                metadata.withUnsafeBytes { (data - metadata.count).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            }
            func store(_ pointer: UnsafeMutableRawPointer, at offset: Int) {
                base.storeBytes(of: UInt64(UInt(bitPattern: pointer)), toByteOffset: offset, as: UInt64.self)
            }
            store(data, at: XDPContext.dataOffset)
            store(data + input.count, at: XDPContext.dataEndOffset)
            store(data - metadata.count, at: XDPContext.dataMetaOffset)
            store(hardStart, at: XDPContext.hardStartOffset)
            store(hardStart + XDPContext.frameSize - XDPContext.tailroom, at: XDPContext.hardEndOffset)
            base.storeBytes(of: ingressInterface, toByteOffset: XDPContext.ingressInterfaceOffset, as: UInt32.self)
            base.storeBytes(of: rxQueue, toByteOffset: XDPContext.rxQueueOffset, as: UInt32.self)
            do throws(ExecutionTrap) {
                let r0 = try run(using: runner, memory: memory, trace: trace)
                func load(_ offset: Int) -> Int { Int(base.load(fromByteOffset: offset, as: UInt64.self) - UInt64(UInt(bitPattern: base))) }
                let start = load(XDPContext.dataOffset)
                let end = load(XDPContext.dataEndOffset)
                let meta = load(XDPContext.dataMetaOffset)
                outcome = .success(
                    XDPResult(
                        action: XDPAction(rawValue: UInt32(truncatingIfNeeded: r0)), returnValue: r0,
                        packet: Array(memory[start..<end]), metadata: Array(memory[meta..<start]),
                        redirect: PacketRedirect.recorded(in: base, at: XDPContext.redirectOffset)))
            } catch {
                outcome = .failure(.trap(error))
            }
        }
        let result = try outcome.get()
        packet = result.packet
        return result
    }
}
