/// The XDP context: `struct xdp_md` as programs read it, and the runtime's block behind it, laid
/// out as the kernel's `BPF_PROG_TEST_RUN` for XDP lays out its buffer.
///
/// `struct xdp_md` (UAPI): `data`@0, `data_end`@4, `data_meta`@8, `ingress_ifindex`@12,
/// `rx_queue_index`@16, `egress_ifindex`@20, every field a read-only `__u32` read whole
/// (`xdp_is_valid_access`); `egress_ifindex` only for devmap programs, so not here. Defaults as
/// the kernel's test run: `ingress_ifindex` 1 (loopback), `rx_queue_index` 0. The runtime's block (``blockSize`` bytes, where R1 points):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 8 | `data`: the packet's first byte |
/// | 8 | 8 | `data_end`: one past its last byte |
/// | 16 | 8 | `data_meta`: the metadata's first byte (= `data` when there is none) |
/// | 24 | 4 | `ingress_ifindex` |
/// | 28 | 4 | `rx_queue_index` |
/// | 32 | 4 | `egress_ifindex` |
/// | 40 | 8 | start of the frame (the kernel's `data_hard_start`), for the helpers |
/// | 48 | 8 | the furthest `data_end` may grow to (`data_hard_end`), for the helpers |
/// | 56 | 32 | the target `bpf_redirect` or `bpf_redirect_map` recorded (interface, kind, flags, map address, key) |
///
/// The frame follows the block in the same buffer: ``frameSize`` bytes (a page, as the test run
/// uses), the packet at ``headroom`` bytes from its start, and the last ``tailroom`` bytes
/// reserved (the kernel keeps its `skb_shared_info` there), so a packet may have at most
/// ``maxPacketLength`` bytes and grow to ``frameSize`` − ``tailroom`` − its start.
public enum XDPContext {
    /// Bytes of the runtime's block before the frame.
    public static let blockSize = 96
    /// Bytes of the frame (`PAGE_SIZE`).
    public static let frameSize = 4096
    /// Bytes before the packet in a fresh frame (`XDP_PACKET_HEADROOM`).
    public static let headroom = 256
    /// Bytes reserved at the frame's end (`SKB_DATA_ALIGN(sizeof(struct skb_shared_info))` on
    /// x86-64).
    public static let tailroom = 320
    /// Bytes at the frame's start the packet's head cannot move into (`sizeof(struct xdp_frame)`).
    public static let frameReserve = 40
    /// The most metadata `bpf_xdp_adjust_meta` allows (`xdp_metalen_invalid`: a multiple of 4,
    /// at most the 8-bit `meta_len`).
    public static let maxMetadataLength = 252
    /// The smallest packet the test run accepts (`ETH_HLEN`).
    public static let minPacketLength = 14
    /// The largest packet that fits the frame.
    public static let maxPacketLength = frameSize - headroom - tailroom

    static let dataOffset = 0
    static let dataEndOffset = 8
    static let dataMetaOffset = 16
    static let ingressInterfaceOffset = 24
    static let rxQueueOffset = 28
    static let egressInterfaceOffset = 32
    static let hardStartOffset = 40
    static let hardEndOffset = 48
    /// Where `bpf_redirect` and `bpf_redirect_map` record their target: interface (4), kind (4:
    /// 0 none, 1 interface, 2 map), flags (8), map address (8), key (4).
    static let redirectOffset = 56

    /// `struct xdp_md` and its rewriting to the block.
    public static let layout = ContextLayout(
        name: "xdp_md", size: 24, runtimeSize: blockSize,
        fields: [
            .init(name: "data", offset: 0, size: 4, runtimeOffset: dataOffset, runtimeSize: 8, kind: .packetStart),
            .init(name: "data_end", offset: 4, size: 4, runtimeOffset: dataEndOffset, runtimeSize: 8, kind: .packetEnd),
            .init(name: "data_meta", offset: 8, size: 4, runtimeOffset: dataMetaOffset, runtimeSize: 8, kind: .packetMeta),
            .init(name: "ingress_ifindex", offset: 12, size: 4, runtimeOffset: ingressInterfaceOffset, runtimeSize: 4),
            .init(name: "rx_queue_index", offset: 16, size: 4, runtimeOffset: rxQueueOffset, runtimeSize: 4),
        ],
        maxPacketLength: 0xffff)
}
