/// A pointer the verifier tracks: which region it points into and how far from the region's
/// start (or, for the stack, from the frame's R10).
///
/// The offset has a fixed part and a variable part, as in the Linux verifier: adding a constant
/// moves `fixedOffset`; adding a scalar that is not constant adds its bounds to
/// `variableOffset` and gives the pointer a new `id`, so that a bounds check on one packet
/// pointer can be applied to every pointer with the same variable part.
public struct PointerValue: Hashable, Sendable {
    /// The region a pointer points into.
    public enum Region: Hashable, Sendable {
        /// The input memory of known size (`ctx`).
        case context(size: Int)
        /// The input memory when its size is not known (`pkt`): accessible only up to `range`.
        case packet
        /// The end of the input memory (`pkt_end`): may only be compared.
        case packetEnd
        /// The metadata before the packet of a typed context (`pkt_meta`, from
        /// `xdp_md.data_meta`): offsets from the metadata's start, accessible up to `range`,
        /// which only a comparison with the packet's start (`data`) proves.
        case packetMeta
        /// The stack frame at call depth `frame` (0 = entry function); offsets are relative to
        /// that frame's R10 and so are negative.
        case stack(frame: Int)
        /// A map (`map_ptr`): may only be passed to helpers.
        case mapPointer(MapReference)
        /// A value of the map (`map_value`).
        case mapValue(MapReference)
        /// A region of `size` bytes returned by a helper (`mem`).
        case memory(size: Int)
        /// The typed context of ``VerifierOptions/context`` (`ctx`): only its fields may be
        /// accessed, each at its exact offset and size.
        case typedContext(size: Int)
        /// The function starting at slot `target` (`func`, the kernel's `PTR_TO_FUNC`), from an
        /// `lddw` of ``EBPFCore/LoadImmediateKind/codeAddress``: may only be passed as a helper's
        /// ``EBPFCore/HelperArgument/callback``.
        case function(target: Int)
    }

    public var region: Region
    public var fixedOffset: Int64
    /// The variable part of the offset; `.constant(0)` when the offset is fixed.
    public var variableOffset: ScalarBounds
    /// Identity shared by copies: for `_or_null` pointers the null check applies to all copies;
    /// for packet pointers the proven range applies to all pointers with the same variable part.
    public var id: UInt32
    /// Packet pointers only: bytes from the pointer's base (start plus variable part) proven
    /// to lie inside the memory.
    public var range: Int64
    /// The pointer may be null (`map_value_or_null`, `mem_or_null`) until a comparison with 0.
    public var maybeNull: Bool

    public init(
        region: Region, fixedOffset: Int64 = 0, variableOffset: ScalarBounds = .constant(0), id: UInt32 = 0,
        range: Int64 = 0, maybeNull: Bool = false
    ) {
        self.region = region
        self.fixedOffset = fixedOffset
        self.variableOffset = variableOffset
        self.id = id
        self.range = range
        self.maybeNull = maybeNull
    }

    /// Whether the pointer is into the packet or its metadata, whose accessible bytes are its
    /// ``range`` (shared by the pointers with its ``id``).
    var hasPacketRange: Bool {
        switch region {
        case .packet, .packetMeta: true
        default: false
        }
    }

    /// Whether arithmetic is allowed on this pointer.
    var allowsArithmetic: Bool {
        if maybeNull { return false }
        switch region {
        case .packetEnd, .mapPointer, .function: return false
        default: return true
        }
    }

    /// The region name in the kernel's vocabulary (`ctx`, `fp`, `map_value_or_null`, ...).
    public var typeName: String {
        let base: String
        switch region {
        case .context, .typedContext: base = "ctx"
        case .packet: base = "pkt"
        case .packetEnd: base = "pkt_end"
        case .packetMeta: base = "pkt_meta"
        case .stack: base = "fp"
        case .mapPointer: base = "map_ptr"
        case .mapValue: base = "map_value"
        case .memory: base = "mem"
        case .function: base = "func"
        }
        return maybeNull ? base + "_or_null" : base
    }

    /// The kernel's rendering, e.g. `ctx(off=0,imm=0)`, `fp-8`, `map_value_or_null(id=1,off=0,ks=4,vs=8,imm=0)`.
    public var kernelDescription: String {
        if case .stack = region, variableOffset.isConstant, variableOffset.constantValue == 0 {
            return "fp\(fixedOffset)"
        }
        var parts: [String] = []
        if id != 0 { parts.append("id=\(id)") }
        switch region {
        case .mapPointer(let map):
            parts.append("ks=\(map.descriptor.keySize),vs=\(map.descriptor.valueSize)")
            return "\(typeName)(" + parts.joined(separator: ",") + ")"
        case .packetEnd:
            return "pkt_end()"
        case .function(let target):
            return "func(insn=\(target))"
        default: break
        }
        parts.append("off=\(fixedOffset)")
        switch region {
        case .packet, .packetMeta: parts.append("r=\(range)")
        case .mapValue(let map): parts.append("ks=\(map.descriptor.keySize),vs=\(map.descriptor.valueSize)")
        case .memory(let size): parts.append("sz=\(size)")
        case .context(let size), .typedContext(let size): parts.append("sz=\(size)")
        default: break
        }
        if let constant = variableOffset.constantValue {
            parts.append("imm=\(Int64(bitPattern: constant))")
        } else {
            parts.append(contentsOf: variableOffset.boundsParts)
        }
        return "\(typeName)(" + parts.joined(separator: ",") + ")"
    }
}
