import EBPFCore

/// The XDP helpers that move the packet's bounds inside its frame, with the kernel's checks
/// and results (`net/core/filter.c`): they act on the runtime's XDP block (``XDPContext``) at
/// R1, and only during an XDP run of a linked program (any other R1 gets `-EINVAL`).
extension KernelHelpers {
    static let xdpAdjustHeadID: Int32 = 44
    static let xdpAdjustMetaID: Int32 = 54
    static let xdpAdjustTailID: Int32 = 65
    static let eacces = UInt64(bitPattern: -13)

    /// The XDP block at `address`, when it is the block of the XDP run in progress.
    private static func xdpBlock(_ address: UInt64) -> UnsafeMutableRawPointer? {
        guard let context = RunContext.current, context.pointee.tables.type == .xdp,
            let base = context.pointee.memory.baseAddress, UInt64(UInt(bitPattern: base)) == address,
            context.pointee.memory.count >= XDPContext.blockSize
        else { return nil }
        return base
    }

    private static func pointer(_ block: UnsafeMutableRawPointer, _ offset: Int) -> Int64 {
        Int64(bitPattern: block.load(fromByteOffset: offset, as: UInt64.self))
    }

    private static func setPointer(_ block: UnsafeMutableRawPointer, _ offset: Int, _ value: Int64) {
        block.storeBytes(of: UInt64(bitPattern: value), toByteOffset: offset, as: UInt64.self)
    }

    /// `bpf_xdp_adjust_head(ctx, delta)`: moves the packet's start by `delta` (negative: grows
    /// it into the headroom), the metadata with it. The start must stay after the frame's
    /// reserved head plus the metadata, and at least `ETH_HLEN` bytes before the end.
    static func xdpAdjustHead(_ context: UInt64, _ delta: UInt64) -> UInt64 {
        guard let block = xdpBlock(context) else { return einval }
        let offset = Int64(Int32(truncatingIfNeeded: delta))
        let data = pointer(block, XDPContext.dataOffset)
        let dataEnd = pointer(block, XDPContext.dataEndOffset)
        let meta = pointer(block, XDPContext.dataMetaOffset)
        let frameEnd = pointer(block, XDPContext.hardStartOffset) + Int64(XDPContext.frameReserve)
        let metaLength = data - meta
        let newData = data + offset
        guard newData >= frameEnd + metaLength, newData <= dataEnd - Int64(XDPContext.minPacketLength) else { return einval }
        if metaLength > 0, let source = UnsafeRawPointer(bitPattern: Int(meta)),
            let destination = UnsafeMutableRawPointer(bitPattern: Int(meta + offset))
        {
            destination.copyMemory(from: source, byteCount: Int(metaLength))
        }
        setPointer(block, XDPContext.dataMetaOffset, meta + offset)
        setPointer(block, XDPContext.dataOffset, newData)
        return 0
    }

    /// `bpf_xdp_adjust_tail(ctx, delta)`: moves the packet's end by `delta`; grown bytes are
    /// zeroed. The end must stay within the frame (before its reserved tail) and at least
    /// `ETH_HLEN` bytes after the start.
    static func xdpAdjustTail(_ context: UInt64, _ delta: UInt64) -> UInt64 {
        guard let block = xdpBlock(context) else { return einval }
        let offset = Int64(Int32(truncatingIfNeeded: delta))
        let data = pointer(block, XDPContext.dataOffset)
        let dataEnd = pointer(block, XDPContext.dataEndOffset)
        let newEnd = dataEnd + offset
        guard newEnd <= pointer(block, XDPContext.hardEndOffset), newEnd >= data + Int64(XDPContext.minPacketLength) else {
            return einval
        }
        if offset > 0, let grown = UnsafeMutableRawPointer(bitPattern: Int(dataEnd)) {
            grown.initializeMemory(as: UInt8.self, repeating: 0, count: Int(offset))
        }
        setPointer(block, XDPContext.dataEndOffset, newEnd)
        return 0
    }

    /// `bpf_xdp_adjust_meta(ctx, delta)`: moves the metadata's start by `delta` (negative:
    /// more metadata). It must stay after the frame's reserved head and not past the packet's
    /// start; the metadata's length must be a multiple of 4 and at most 252 bytes (`-EACCES`).
    static func xdpAdjustMeta(_ context: UInt64, _ delta: UInt64) -> UInt64 {
        guard let block = xdpBlock(context) else { return einval }
        let offset = Int64(Int32(truncatingIfNeeded: delta))
        let data = pointer(block, XDPContext.dataOffset)
        let meta = pointer(block, XDPContext.dataMetaOffset) + offset
        let frameEnd = pointer(block, XDPContext.hardStartOffset) + Int64(XDPContext.frameReserve)
        guard meta >= frameEnd, meta <= data else { return einval }
        let metaLength = data - meta
        guard metaLength % 4 == 0, metaLength <= Int64(XDPContext.maxMetadataLength) else { return eacces }
        setPointer(block, XDPContext.dataMetaOffset, meta)
        return 0
    }
}
