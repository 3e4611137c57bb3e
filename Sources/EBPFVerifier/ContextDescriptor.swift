import EBPFCore

/// The layout of a typed program context, as the verifier sees it: R1 at entry points at a
/// block of ``size`` bytes whose ``fields`` are the only bytes the program may read (or write,
/// where a field says so), each at exactly its offset and size.
///
/// This is the layout the engines run, after the runtime rewrote the program's accesses to the
/// kernel's structure (`struct xdp_md`, 32-bit fields) into accesses to its own block, as the
/// kernel's `convert_ctx_access` does: a field that holds a pointer into the packet is 8 bytes
/// here and loads as a packet pointer (``FieldKind/packetStart``) or the packet's end
/// (``FieldKind/packetEnd``), which a comparison must relate before any packet access.
public struct ContextDescriptor: Sendable, Hashable {
    /// What a field holds (a ``FieldKind/packetMeta`` field loads as a `pkt_meta` pointer).
    public typealias FieldKind = ContextFieldKind

    /// One field of the block.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var offset: Int
        public var size: Int
        public var kind: FieldKind
        public var isWritable: Bool
        /// Which accesses narrower than the whole field are allowed (loads of the low-order
        /// bytes of a `__sk_buff` scalar, say).
        public var narrowAccess: ContextNarrowAccess
        /// The width stores to the field have when it is narrower than ``size`` (the runtime
        /// keeps as many bytes of a store as the kernel does; see the runtime's layout).
        public var storeSize: Int

        public init(
            name: String, offset: Int, size: Int, kind: FieldKind = .scalar, isWritable: Bool = false,
            narrowAccess: ContextNarrowAccess = .none, storeSize: Int? = nil
        ) {
            self.storeSize = storeSize ?? size
            self.name = name
            self.offset = offset
            self.size = size
            self.kind = kind
            self.isWritable = isWritable
            self.narrowAccess = narrowAccess
        }
    }

    /// The kernel's name of the context (`xdp_md`, `__sk_buff`), for messages.
    public var name: String
    /// Bytes of the block.
    public var size: Int
    public var fields: [Field]
    /// The largest packet length a run may see: the verifier's bound on the packet's length.
    public var maxPacketLength: Int

    public init(name: String, size: Int, fields: [Field], maxPacketLength: Int) {
        self.name = name
        self.size = size
        self.fields = fields
        self.maxPacketLength = maxPacketLength
    }

    /// The field an access of `size` bytes at `offset` reads (or writes), if the field allows
    /// it: the whole field, or a narrower access its ``Field/narrowAccess`` allows. Writability
    /// is the caller's to check.
    public func field(at offset: Int64, size: Int, isWrite: Bool = false) -> Field? {
        guard let field = fields.first(where: { Int64($0.offset) <= offset && offset < Int64($0.offset + $0.size) }) else {
            return nil
        }
        if isWrite && offset == Int64(field.offset) && size == field.storeSize { return field }
        guard field.narrowAccess.allows(offset: offset - Int64(field.offset), size: size, fieldSize: field.size, isWrite: isWrite)
        else { return nil }
        return field
    }
}
