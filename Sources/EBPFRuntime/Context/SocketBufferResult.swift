/// What one socket-filter or tc run gives: R0 and the packet as the kernel's
/// `BPF_PROG_TEST_RUN` reports it in `data_out`, and the context fields the program wrote
/// (`ctx_out`).
public struct SocketBufferResult: Sendable, Hashable {
    /// R0 (the kernel reports its low 32 bits): for a socket filter the bytes to keep (0 drops),
    /// for tc a `TC_ACT_*` verdict.
    public var returnValue: UInt64
    /// The frame after the run. For a socket filter its first 14 bytes are zero: the kernel's
    /// test run gives back the Ethernet header it pulled as zeros.
    public var packet: [UInt8]
    /// The last target `bpf_redirect` recorded, if the program called it successfully.
    public var redirect: PacketRedirect?
    /// The writable fields of `__sk_buff` as the program left them (`mark`, `cb[]`, ...).
    public var fields: SocketBufferFields

    public init(returnValue: UInt64, packet: [UInt8], redirect: PacketRedirect? = nil, fields: SocketBufferFields = SocketBufferFields()) {
        self.redirect = redirect
        self.fields = fields
        self.returnValue = returnValue
        self.packet = packet
    }
}
