import EBPFCore

/// A kernel context structure as programs see it (`struct xdp_md`: 32-bit fields) and the
/// runtime's block behind it (64-bit pointers), with the rule for rewriting one into the other:
/// the runtime's counterpart of the kernel's `is_valid_access` and `convert_ctx_access`.
///
/// ``ContextAccessRewriter`` finds the loads and stores through the context pointer and rewrites
/// each to the runtime field (``Field/runtimeOffset``, ``Field/runtimeSize``); any other access
/// to the context is a ``LinkError/invalidContextAccess(index:reason:)``.
public struct ContextLayout: Sendable, Hashable {
    /// What a field holds.
    public typealias FieldKind = ContextFieldKind

    /// One field of the structure.
    public struct Field: Sendable, Hashable {
        public var name: String
        /// Offset and size in the kernel's structure (what the program's code uses).
        public var offset: Int
        public var size: Int
        /// Offset and size in the runtime's block (what the engines run).
        public var runtimeOffset: Int
        public var runtimeSize: Int
        public var kind: FieldKind
        public var isWritable: Bool
        /// Which narrower accesses the field allows; they are rewritten to the same bytes of
        /// the runtime's field (which holds the same value, little-endian, as the kernel's
        /// narrow-load rewriting reads: a load, a shift and a mask).
        public var narrowAccess: ContextNarrowAccess
        /// Bytes the kernel keeps the field in (`skb->protocol` is a `__be16`, `pkt_type` three
        /// bits of a byte), when fewer than ``size``. The kernel's rewriting of a narrow load
        /// shifts and masks only a load narrower than this; a load at least this wide gives the
        /// whole value whatever its offset in the field, and a store keeps this many low-order
        /// bytes (so the runtime's field, whose other bytes stay zero, is written this wide).
        public var storageSize: Int

        public init(
            name: String, offset: Int, size: Int, runtimeOffset: Int, runtimeSize: Int, kind: FieldKind = .scalar,
            isWritable: Bool = false, narrowAccess: ContextNarrowAccess = .none, storageSize: Int? = nil
        ) {
            self.storageSize = storageSize ?? size
            self.name = name
            self.offset = offset
            self.size = size
            self.runtimeOffset = runtimeOffset
            self.runtimeSize = runtimeSize
            self.kind = kind
            self.isWritable = isWritable
            self.narrowAccess = narrowAccess
        }
    }

    /// The kernel's name of the structure (`xdp_md`).
    public var name: String
    /// `sizeof` the kernel's structure.
    public var size: Int
    /// Bytes of the runtime's block.
    public var runtimeSize: Int
    public var fields: [Field]
    /// The largest packet a run may see (the verifier's bound on the packet's length).
    public var maxPacketLength: Int
    /// Where the legacy packet loads (`BPF_LD_ABS`, `BPF_LD_IND`) read, for the types that allow
    /// them (socket filters, tc); `nil` refuses them (XDP).
    public var legacyPacketLoads: LegacyPacketLoads?

    /// How a run lays out the memory the engines' legacy packet loads read: the run's memory
    /// (R1's block, then the frame) ends at the packet's end, and the packet (`skb->data`)
    /// starts ``packetStart`` bytes into it, so a load's offset from `skb->data` is rewritten
    /// to one from the memory's start.
    public struct LegacyPacketLoads: Sendable, Hashable {
        /// Bytes from the run's memory start (R1) to `skb->data`.
        public var packetStart: Int
        /// The link-layer header's and the network header's offsets from `skb->data`, for the
        /// kernel's `SKF_LL_OFF` and `SKF_NET_OFF` offsets.
        public var linkHeader: Int
        public var networkHeader: Int

        public init(packetStart: Int, linkHeader: Int, networkHeader: Int) {
            self.packetStart = packetStart
            self.linkHeader = linkHeader
            self.networkHeader = networkHeader
        }

        /// `SKF_NET_OFF` and `SKF_LL_OFF` (`linux/filter.h`).
        static let networkOffsetBase: Int64 = -0x10_0000
        static let linkOffsetBase: Int64 = -0x20_0000

        /// The immediate of a rewritten `BPF_LD_ABS` of `k` (the kernel's offset from
        /// `skb->data`, a signed 32-bit number): `k` plus ``packetStart``; an offset in the
        /// `SKF_NET_OFF` or `SKF_LL_OFF` window from that header; any other negative offset, or
        /// one too large, an immediate the engines find out of range (the program returns 0,
        /// as the kernel's does).
        func absoluteImmediate(_ k: Int32) -> Int32 {
            let offset = Int64(k)
            let fromData: Int64
            if offset >= 0 {
                fromData = offset
            } else if offset >= Self.networkOffsetBase {
                fromData = offset - Self.networkOffsetBase + Int64(networkHeader)
            } else if offset >= Self.linkOffsetBase {
                fromData = offset - Self.linkOffsetBase + Int64(linkHeader)
            } else {
                return -1
            }
            let rewritten = fromData + Int64(packetStart)
            guard rewritten >= 0, rewritten <= Int64(Int32.max) else { return -1 }
            return Int32(rewritten)
        }
    }

    public init(
        name: String, size: Int, runtimeSize: Int, fields: [Field], maxPacketLength: Int, legacyPacketLoads: LegacyPacketLoads? = nil
    ) {
        self.name = name
        self.size = size
        self.runtimeSize = runtimeSize
        self.fields = fields
        self.maxPacketLength = maxPacketLength
        self.legacyPacketLoads = legacyPacketLoads
    }

    /// The field an access of `size` bytes at `offset` of the kernel's structure reads or
    /// writes, or why the kernel would refuse it.
    func field(at offset: Int64, size: Int, isWrite: Bool) -> Result<Field, ContextAccessRefusal> {
        guard offset >= 0, offset < Int64(self.size) else {
            return .failure(ContextAccessRefusal("invalid bpf_context access off=\(offset) size=\(size): outside \(name)"))
        }
        guard let field = fields.first(where: { Int64($0.offset) <= offset && offset < Int64($0.offset + $0.size) }) else {
            return .failure(ContextAccessRefusal("invalid bpf_context access off=\(offset) size=\(size): not at a field of \(name)"))
        }
        guard field.narrowAccess.allows(offset: offset - Int64(field.offset), size: size, fieldSize: field.size, isWrite: isWrite)
        else {
            let rule =
                switch field.narrowAccess {
                case .none: "is accessed as \(field.size) bytes at its offset"
                case .reads: "is written as \(field.size) bytes and read as 1, 2 or 4 aligned bytes of it"
                case .readsAndWrites: "is accessed as 1, 2, 4 or 8 aligned bytes within its \(field.size)"
                }
            return .failure(ContextAccessRefusal("invalid bpf_context access off=\(offset) size=\(size): \(name).\(field.name) \(rule)"))
        }
        if isWrite && !field.isWritable {
            return .failure(ContextAccessRefusal("invalid bpf_context access off=\(offset) size=\(size): \(name).\(field.name) is read-only"))
        }
        return .success(field)
    }
}

/// Why an access to a context is refused (the message, in the kernel's words where it has some).
struct ContextAccessRefusal: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
