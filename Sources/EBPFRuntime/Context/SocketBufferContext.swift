/// The socket-buffer context of socket filters and tc classifiers: `struct __sk_buff` as
/// programs read it, and the runtime's block behind it, laid out as the kernel's
/// `BPF_PROG_TEST_RUN` for skb programs sets up its `sk_buff`.
///
/// The block keeps `__sk_buff`'s 32-bit fields at their own offsets (`len`@0 ... `tc_classid`@72)
/// and moves what is wider in the runtime: `data` to 80 and `data_end` to 88 (8-byte pointers),
/// `napi_id` to 96, `data_meta` (tc only) to 120. What a type may access (the kernel's `sk_filter_is_valid_access` and
/// `tc_cls_act_is_valid_access`): each `__u32` read whole or as 1 or 2 aligned bytes of it (its
/// low-order bytes at that offset) and written whole; `cb[]` read and written 1, 2, 4 or 8 bytes
/// at a time; `data` and `data_end` read whole:
///
/// | type | reads | writes |
/// |---|---|---|
/// | socket filter | `len` ... `tc_index`, `cb[0..4]`, `hash`, `napi_id` | `cb[]` |
/// | tc classifier | those, `tc_classid`, `data`, `data_end`, `data_meta` | `mark`, `queue_mapping`, `priority`, `tc_index`, `cb[]`, `tc_classid` |
///
/// The packet starts at the network header for a socket filter (the kernel's `eth_type_trans`
/// pulled the Ethernet header: `len` is 14 less) and at the Ethernet header for tc.
public enum SocketBufferContext {
    /// Bytes of the runtime's block before the frame.
    public static let blockSize = 128
    /// Bytes before the Ethernet header (`NET_SKB_PAD + NET_IP_ALIGN` on x86-64).
    public static let headroom = 64
    /// Bytes reserved after the packet (`skb_shared_info`).
    public static let tailroom = 320
    /// The smallest packet the test run accepts (`ETH_HLEN`).
    public static let minPacketLength = 14
    /// The largest packet accepted (as for XDP, so that both fit the same frames).
    public static let maxPacketLength = XDPContext.maxPacketLength

    static let lenOffset = 0
    static let pktTypeOffset = 4
    static let protocolOffset = 16
    static let ifindexOffset = 40
    static let dataOffset = 80
    static let dataEndOffset = 88
    static let napiOffset = 96
    /// Where `bpf_redirect` records its target: interface (4), set (4), flags (8).
    static let redirectOffset = 104
    /// `data_meta`: the packet's start, since a test run's socket buffer has no metadata.
    static let dataMetaOffset = 120

    /// A `__u32` of `__sk_buff`; `storage`: the bytes of the kernel's `sk_buff` field behind it.
    private static func scalar(_ name: String, _ offset: Int, writable: Bool = false, storage: Int = 4) -> ContextLayout.Field {
        .init(
            name: name, offset: offset, size: 4, runtimeOffset: offset, runtimeSize: 4, isWritable: writable, narrowAccess: .reads,
            storageSize: storage)
    }

    private static func common(tc: Bool) -> [ContextLayout.Field] {
        var fields = [
            scalar("len", 0), scalar("pkt_type", 4, storage: 1), scalar("mark", 8, writable: tc),
            scalar("queue_mapping", 12, writable: tc, storage: 2), scalar("protocol", 16, storage: 2), scalar("vlan_present", 20),
            scalar("vlan_tci", 24, storage: 2), scalar("vlan_proto", 28, storage: 2), scalar("priority", 32, writable: tc),
            scalar("ingress_ifindex", 36), scalar("ifindex", 40), scalar("tc_index", 44, writable: tc, storage: 2),
        ]
        // `cb[0..4]`, which the kernel lets programs access as 20 bytes: 1, 2, 4 or 8 at a time.
        fields.append(.init(name: "cb", offset: 48, size: 20, runtimeOffset: 48, runtimeSize: 20, isWritable: true, narrowAccess: .readsAndWrites))
        fields.append(scalar("hash", 68))
        fields.append(.init(name: "napi_id", offset: 84, size: 4, runtimeOffset: napiOffset, runtimeSize: 4, narrowAccess: .reads))
        return fields
    }

    /// `struct __sk_buff` for socket filters.
    public static let socketFilterLayout = ContextLayout(
        name: "__sk_buff", size: 192, runtimeSize: blockSize, fields: common(tc: false), maxPacketLength: 0xffff,
        legacyPacketLoads: .init(packetStart: blockSize + headroom + 14, linkHeader: -14, networkHeader: 0))

    /// `struct __sk_buff` for tc classifiers: direct packet access and more writable fields.
    public static let classifierLayout = ContextLayout(
        name: "__sk_buff", size: 192, runtimeSize: blockSize,
        fields: common(tc: true) + [
            scalar("tc_classid", 72, writable: true, storage: 2),
            .init(name: "data", offset: 76, size: 4, runtimeOffset: dataOffset, runtimeSize: 8, kind: .packetStart),
            .init(name: "data_end", offset: 80, size: 4, runtimeOffset: dataEndOffset, runtimeSize: 8, kind: .packetEnd),
            .init(name: "data_meta", offset: 140, size: 4, runtimeOffset: dataMetaOffset, runtimeSize: 8, kind: .packetMeta),
        ],
        maxPacketLength: 0xffff, legacyPacketLoads: .init(packetStart: blockSize + headroom, linkHeader: 0, networkHeader: 14))

    /// `skb->pkt_type` as `eth_type_trans` sets it on the loopback device, whose address and
    /// broadcast address are both 00:00:00:00:00:00: multicast (`PACKET_MULTICAST`, 2) for every
    /// group address, ff:ff:ff:ff:ff:ff included; this host (0) for 00:00:00:00:00:00; another
    /// host (3) otherwise.
    static func packetType(_ frame: [UInt8]) -> UInt32 {
        let destination = frame.prefix(6)
        if destination[0] & 1 != 0 { return 2 }
        return destination.allSatisfy { $0 == 0 } ? 0 : 3
    }

    /// Whether the kernel's test run accepts the frame: an IPv4 frame needs a whole 20-byte IP
    /// header after the Ethernet header, an IPv6 frame a whole 40-byte one (`-EINVAL` otherwise).
    static func hasWholeNetworkHeader(_ frame: [UInt8]) -> Bool {
        switch (frame[12], frame[13]) {
        case (0x08, 0x00): frame.count >= 14 + 20
        case (0x86, 0xdd): frame.count >= 14 + 40
        default: true
        }
    }

    /// `skb->protocol` as `eth_type_trans` sets it (network order, as the field holds it): the
    /// EtherType from 0x600 on, else `ETH_P_802_3` for raw 802.3 (payload starting 0xffff) and
    /// `ETH_P_802_2` otherwise.
    static func protocolBytes(_ frame: [UInt8]) -> (UInt8, UInt8) {
        let type = UInt16(frame[12]) << 8 | UInt16(frame[13])
        if type >= 0x600 { return (frame[12], frame[13]) }
        if frame.count >= 16, frame[14] == 0xff, frame[15] == 0xff { return (0, 1) }
        return (0, 4)
    }
}
