/// Where a packet program asked for its packet to go with `bpf_redirect` or
/// `bpf_redirect_map`: recorded, since the runtime has no devices (the kernel's test run does not
/// send it either).
public struct PacketRedirect: Sendable, Hashable {
    /// The target interface index (for `bpf_redirect_map`, a devmap entry's interface; 0 for
    /// other maps and broadcasts).
    public var interface: UInt32
    /// The flags (`BPF_F_INGRESS` for tc; `BPF_F_BROADCAST` and `BPF_F_EXCLUDE_INGRESS` for a
    /// devmap broadcast, otherwise 0 for `bpf_redirect_map`).
    public var flags: UInt64
    /// The map slot `bpf_redirect_map` chose, or `nil` for `bpf_redirect`.
    public var map: MapTarget?

    /// A slot of a devmap, cpumap or xskmap (``RedirectMap``), named so that copies of the same
    /// object's maps compare equal.
    public struct MapTarget: Sendable, Hashable {
        public var name: String
        public var type: MapType
        public var key: UInt32

        public init(name: String, type: MapType, key: UInt32) {
            self.name = name
            self.type = type
            self.key = key
        }
    }

    public init(interface: UInt32, flags: UInt64, map: MapTarget? = nil) {
        self.interface = interface
        self.flags = flags
        self.map = map
    }

    static let kindInterface: UInt32 = 1
    static let kindMap: UInt32 = 2

    /// The redirect recorded at `offset` of a context block, if one was (a map target only in
    /// XDP blocks, which have room for it).
    static func recorded(in block: UnsafeRawPointer, at offset: Int) -> PacketRedirect? {
        let kind = block.load(fromByteOffset: offset + 4, as: UInt32.self)
        guard kind != 0 else { return nil }
        var redirect = PacketRedirect(
            interface: block.load(fromByteOffset: offset, as: UInt32.self), flags: block.load(fromByteOffset: offset + 8, as: UInt64.self))
        if kind == kindMap, let map = LiveMaps.map(at: block.load(fromByteOffset: offset + 16, as: UInt64.self)) {
            redirect.map = MapTarget(name: map.name, type: map.definition.type, key: block.load(fromByteOffset: offset + 24, as: UInt32.self))
        }
        return redirect
    }
}
