/// What a field of a typed program context (`struct xdp_md`, `struct __sk_buff`) holds: the one
/// vocabulary the runtime's layout (which rewrites the program's context accesses) and the
/// verifier's descriptor (which types the loaded values) share.
public enum ContextFieldKind: Sendable, Hashable {
    /// A number (loaded as a scalar of the field's width).
    case scalar
    /// The address of the packet's first byte (`pkt`).
    case packetStart
    /// The address one past the packet's last byte (`pkt_end`).
    case packetEnd
    /// The address of the metadata before the packet (`pkt_meta`).
    case packetMeta
}
