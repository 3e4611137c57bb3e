import EBPFCore

/// The socket-buffer helpers (`net/core/filter.c`), acting on the runtime's `__sk_buff` block
/// (``SocketBufferContext``) at R1 during a socket-filter or tc run.
extension KernelHelpers {
    static let skbLoadBytesID: Int32 = 26

    /// `bpf_skb_load_bytes(skb, offset, to, len)`: copies `len` bytes of the packet from
    /// `offset` (from `skb->data`) to `to`; outside the packet `to` is zeroed and the result is
    /// `-EFAULT`.
    static func skbLoadBytes(_ context: UInt64, _ offset: UInt64, _ to: UInt64, _ length: UInt64) -> UInt64 {
        guard let run = RunContext.current, run.pointee.tables.type == .socketFilter || run.pointee.tables.type == .schedClassifier,
            let base = run.pointee.memory.baseAddress, UInt64(UInt(bitPattern: base)) == context,
            run.pointee.memory.count >= SocketBufferContext.blockSize
        else { return einval }
        let size = Int(UInt32(truncatingIfNeeded: length))
        guard size > 0, RunContext.pointerIsValid(to, size: size), let destination = UnsafeMutableRawPointer(bitPattern: UInt(to)) else {
            return efault
        }
        let data = base.load(fromByteOffset: SocketBufferContext.dataOffset, as: UInt64.self)
        let end = base.load(fromByteOffset: SocketBufferContext.dataEndOffset, as: UInt64.self)
        let start = UInt64(UInt32(truncatingIfNeeded: offset))
        guard start <= UInt64(Int32.max), start + UInt64(size) <= end - data,
            let source = UnsafeRawPointer(bitPattern: UInt(data + start))
        else {
            destination.initializeMemory(as: UInt8.self, repeating: 0, count: size)
            return efault
        }
        destination.copyMemory(from: source, byteCount: size)
        return 0
    }
}
