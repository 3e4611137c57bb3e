/// What one socket-filter or tc run gives: R0 and the packet as the kernel's
/// `BPF_PROG_TEST_RUN` reports it in `data_out`.
public struct SocketBufferResult: Sendable, Hashable {
    /// R0 (the kernel reports its low 32 bits): for a socket filter the bytes to keep (0 drops),
    /// for tc a `TC_ACT_*` verdict.
    public var returnValue: UInt64
    /// The frame after the run. For a socket filter its first 14 bytes are zero: the kernel's
    /// test run gives back the Ethernet header it pulled as zeros.
    public var packet: [UInt8]
    /// The last target `bpf_redirect` recorded, if the program called it successfully.
    public var redirect: PacketRedirect?

    public init(returnValue: UInt64, packet: [UInt8], redirect: PacketRedirect? = nil) {
        self.redirect = redirect
        self.returnValue = returnValue
        self.packet = packet
    }
}
