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

        public init(
            name: String, offset: Int, size: Int, runtimeOffset: Int, runtimeSize: Int, kind: FieldKind = .scalar,
            isWritable: Bool = false
        ) {
            self.name = name
            self.offset = offset
            self.size = size
            self.runtimeOffset = runtimeOffset
            self.runtimeSize = runtimeSize
            self.kind = kind
            self.isWritable = isWritable
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

    public init(name: String, size: Int, runtimeSize: Int, fields: [Field], maxPacketLength: Int) {
        self.name = name
        self.size = size
        self.runtimeSize = runtimeSize
        self.fields = fields
        self.maxPacketLength = maxPacketLength
    }

    /// The field an access of `size` bytes at `offset` of the kernel's structure reads or
    /// writes, or why the kernel would refuse it.
    func field(at offset: Int64, size: Int, isWrite: Bool) -> Result<Field, ContextAccessRefusal> {
        guard offset >= 0, offset < Int64(self.size) else {
            return .failure(ContextAccessRefusal("invalid bpf_context access off=\(offset) size=\(size): outside \(name)"))
        }
        guard let field = fields.first(where: { Int64($0.offset) == offset }) else {
            return .failure(ContextAccessRefusal("invalid bpf_context access off=\(offset) size=\(size): not at a field of \(name)"))
        }
        guard size == field.size else {
            return .failure(
                ContextAccessRefusal("invalid bpf_context access off=\(offset) size=\(size): \(name).\(field.name) is read as \(field.size) bytes"))
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
