/// A function an eBPF program can call with `call N` (or `callx`), shared by both engines.
///
/// The body is a C-convention function of five 64-bit arguments (R1–R5) returning R0, so the JIT
/// can call it directly under the System V ABI and the interpreter through the same pointer.
public struct HelperFunction: Sendable {
    /// The calling convention of every helper: R1–R5 in, R0 out.
    public typealias Body = @convention(c) (UInt64, UInt64, UInt64, UInt64, UInt64) -> UInt64

    /// The helper's number, as used in `call N` (the kernel's ids where one exists).
    public let id: Int32
    /// The helper's name, for disassembly and error messages (e.g. `bpf_map_lookup_elem`).
    public let name: String
    public let body: Body
    /// The body to call where the verifier proved every argument of the call against
    /// ``signature`` (a map pointer is one of the maps the program refers to, kept alive by
    /// whoever runs it; a key, value or memory argument lies in memory the program may access
    /// and, on the stack, is initialised): it may leave out the run-time checks ``body`` makes
    /// for unverified callers. `nil`: ``body`` serves every call. The JIT calls it from code
    /// compiled with verified facts.
    public let provenBody: Body?
    /// For a lookup helper (`bpf_map_lookup_elem`): given the map address a verified call passes
    /// in R1 (one of the program's maps, kept alive by whoever runs it), the layout of that map's
    /// values when the map is an array, so the JIT can compute the result in line (an address
    /// and a bounds check on the key) where it knows which map the call gets; `nil` for any
    /// other map, or no resolver: the call goes to the body.
    public let inlineArrayLookup: (@Sendable (UInt64) -> InlineArrayLookup?)?
    /// Argument and return types, checked by the verifier.
    public let signature: HelperSignature
    /// Whether only programs under a GPL-compatible licence may call it (as in the kernel).
    public let gplOnly: Bool
    /// Set for a helper the engines carry out themselves (``HelperIntrinsic/loop``: `bpf_loop`);
    /// its ``body`` then serves no call from a program (`callx` cannot reach it: the engines
    /// trap as for an unknown helper and the verifier rejects it).
    public let intrinsic: HelperIntrinsic?

    public init(
        id: Int32, name: String, signature: HelperSignature = .unknown, gplOnly: Bool = false, provenBody: Body? = nil,
        inlineArrayLookup: (@Sendable (UInt64) -> InlineArrayLookup?)? = nil, intrinsic: HelperIntrinsic? = nil,
        body: Body
    ) {
        self.id = id
        self.name = name
        self.body = body
        self.provenBody = provenBody
        self.inlineArrayLookup = inlineArrayLookup
        self.signature = signature
        self.gplOnly = gplOnly
        self.intrinsic = intrinsic
    }
}

/// The types a helper takes and returns, in the verifier's vocabulary.
public struct HelperSignature: Sendable, Hashable {
    /// One entry per used argument register, R1 first; absent registers are not read.
    public var arguments: [HelperArgument]
    public var returns: HelperReturn
    /// Whether the helper may move the packet's start or end (`bpf_xdp_adjust_head`, `_tail`,
    /// `_meta`): after the call the verifier forgets every packet pointer and what it knew of
    /// the packet's length, as the kernel does (`bpf_helper_changes_pkt_data`).
    public var changesPacketData: Bool

    public init(arguments: [HelperArgument], returns: HelperReturn, changesPacketData: Bool = false) {
        self.arguments = arguments
        self.returns = returns
        self.changesPacketData = changesPacketData
    }

    /// Five scalar arguments, scalar result: what an undeclared helper is assumed to take.
    public static let unknown = HelperSignature(arguments: Array(repeating: .anything, count: 5), returns: .scalar)
}

/// One helper argument's type.
public enum HelperArgument: Sendable, Hashable {
    /// Any initialised value, scalar or pointer. A helper given a stack pointer here may read
    /// and write any byte of that stack frame, so the verifier forgets what the frame holds
    /// (declare ``memory`` or ``writableMemory`` with a size to keep it precise).
    case anything
    /// A scalar (not a pointer).
    case scalar
    /// A pointer to a map (from `lddw` with a map reference).
    case mapPointer
    /// A pointer to initialised stack memory of the map's key size.
    case mapKey
    /// A pointer to initialised stack memory of the map's value size.
    case mapValue
    /// A pointer to readable memory whose size is in the next argument. The helper only reads
    /// it: what the program stored there stays known to the verifier.
    case memory
    /// A pointer to memory the helper writes (it need not be initialised before), whose size
    /// is in the next argument, like the kernel's `ARG_PTR_TO_UNINIT_MEM` (the destination of
    /// `bpf_probe_read`, a value copied out of a map). The verifier forgets what the program
    /// stored in those bytes.
    case writableMemory
    /// The size of the preceding ``memory`` or ``writableMemory`` argument.
    case memorySize
    /// A function address (an `lddw` of ``LoadImmediateKind/codeAddress``) the helper calls
    /// back with the next argument as its context: `bpf_loop`'s `callback_fn`.
    case callback
    /// The context the ``callback`` receives: a pointer into a stack frame, or null (the
    /// kernel's `ARG_PTR_TO_STACK_OR_NULL`). The callback may read and write it.
    case callbackContext
    /// The context pointer (R1 at entry): the typed context (the verifier's `ContextDescriptor`)
    /// when the program has one, else the input memory.
    case context
}

/// A helper's result type.
public enum HelperReturn: Sendable, Hashable {
    /// A scalar.
    case scalar
    /// Nothing meaningful (R0 becomes a scalar the program should not rely on).
    case void
    /// A pointer to the value of the map passed in R1, or null.
    case mapValueOrNull
    /// A pointer to `size` bytes of memory, or null.
    case memoryOrNull(size: Int)
}
