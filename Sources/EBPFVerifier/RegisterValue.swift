/// The verifier's knowledge of one register (or of a register spilled to the stack).
public enum RegisterValue: Hashable, Sendable {
    /// Never written on this path; reading it is an error (`R2 !read_ok`).
    case uninitialized
    /// A number. `id` links copies made by `mov` so a comparison refines all of them; 0 = none.
    case scalar(ScalarBounds, id: UInt32)
    case pointer(PointerValue)

    /// Any 64-bit number.
    static let unknownScalar = RegisterValue.scalar(.unknown, id: 0)

    static func constant(_ value: UInt64) -> RegisterValue { .scalar(.constant(value), id: 0) }

    public var isInitialized: Bool {
        if case .uninitialized = self { return false }
        return true
    }

    var scalarBounds: ScalarBounds? {
        if case .scalar(let bounds, _) = self { return bounds }
        return nil
    }

    var pointerValue: PointerValue? {
        if case .pointer(let pointer) = self { return pointer }
        return nil
    }

    /// The type name in the kernel's vocabulary (`scalar`, `ctx`, `fp`, `map_value_or_null`...).
    public var typeName: String {
        switch self {
        case .uninitialized: "?"
        case .scalar: "scalar"
        case .pointer(let pointer): pointer.typeName
        }
    }

    /// The kernel's rendering of the value (`0`, `scalar(umax=255)`, `ctx(off=0,imm=0)`, `fp-8`).
    public var kernelDescription: String {
        switch self {
        case .uninitialized: "?"
        case .scalar(let bounds, let id):
            if id != 0 && !bounds.isConstant {
                "scalar(" + (["id=\(id)"] + bounds.boundsParts).joined(separator: ",") + ")"
            } else {
                bounds.kernelDescription
            }
        case .pointer(let pointer): pointer.kernelDescription
        }
    }
}
