/// What a program is written against, chosen from its ELF section name as libbpf does: the
/// context R1 points at, how the runtime runs it and which verdicts it returns.
public enum ProgramType: String, Sendable, Hashable, CaseIterable {
    /// The runtime's own convention: R1 points at the input memory, R2 is its length. Every
    /// section libbpf does not know as a program type (`.text`, `filter`, custom names).
    case raw
    /// `BPF_PROG_TYPE_XDP` (`SEC("xdp")`, `xdp/...`, `xdp.frags`): R1 is a `struct xdp_md *`
    /// (``XDPContext``) and the result an XDP action (``XDPAction``).
    case xdp
    /// `BPF_PROG_TYPE_SOCKET_FILTER` (`SEC("socket")`, `socket/...`): R1 is a
    /// `struct __sk_buff *` (``SocketBufferContext``), the packet from its network header.
    case socketFilter = "socket"
    /// `BPF_PROG_TYPE_SCHED_CLS` (`SEC("tc")`, `classifier`, `tc/...`, `tcx/...`): R1 is a
    /// `struct __sk_buff *` (``SocketBufferContext``) with direct packet access, the packet from
    /// its Ethernet header.
    case schedClassifier = "tc"

    /// The type libbpf gives a program in section `section` (its `SEC()` name): the part
    /// before the first `/` decides; unknown names are ``raw``.
    public init(section: String) {
        let head = section.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? section
        switch head {
        case "xdp", "xdp.frags": self = .xdp
        case "socket": self = .socketFilter
        case "tc", "classifier", "tcx", "tc.ingress", "tc.egress", "tcx.ingress", "tcx.egress": self = .schedClassifier
        default: self = .raw
        }
    }

    /// The kernel's `enum bpf_prog_type` value (`nil` for ``raw``, which has none).
    public var kernelProgramType: UInt32? {
        switch self {
        case .raw: nil
        case .socketFilter: 1
        case .schedClassifier: 3
        case .xdp: 6
        }
    }

    /// The layout of the program's context, and how accesses to it are rewritten; `nil` for
    /// ``raw`` (R1 is the input memory itself).
    public var contextLayout: ContextLayout? {
        switch self {
        case .xdp: XDPContext.layout
        case .socketFilter: SocketBufferContext.socketFilterLayout
        case .schedClassifier: SocketBufferContext.classifierLayout
        case .raw: nil
        }
    }
}
