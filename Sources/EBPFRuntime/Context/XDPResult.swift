/// What one XDP run gives: the verdict, and the packet (and metadata) as the program left
/// them — what the kernel's `BPF_PROG_TEST_RUN` reports as `retval` and `data_out`.
public struct XDPResult: Sendable, Hashable {
    /// The verdict: R0's low 32 bits.
    public var action: XDPAction
    /// R0 as the program returned it (all 64 bits).
    public var returnValue: UInt64
    /// The bytes from the packet's start to its end after the run (moved or resized by
    /// `bpf_xdp_adjust_head` / `_tail`).
    public var packet: [UInt8]
    /// The metadata before the packet (`bpf_xdp_adjust_meta`), empty when there is none.
    public var metadata: [UInt8]
    /// The last target `bpf_redirect` recorded, if the program called it successfully.
    public var redirect: PacketRedirect?

    public init(action: XDPAction, returnValue: UInt64, packet: [UInt8], metadata: [UInt8] = [], redirect: PacketRedirect? = nil) {
        self.redirect = redirect
        self.action = action
        self.returnValue = returnValue
        self.packet = packet
        self.metadata = metadata
    }
}
