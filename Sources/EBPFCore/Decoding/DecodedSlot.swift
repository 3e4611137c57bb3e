/// What one 8-byte slot of a decoded program holds.
public enum DecodedSlot: Sendable, Hashable {
    /// An instruction the decoder accepted. It may still carry a static trap
    /// (``DecodedProgram/staticTraps``): a jump or call whose target is bad, or an `lddw` that
    /// references a map the engines cannot resolve.
    case operation(DecodedOperation)
    /// The second slot of a well-formed `lddw`: never executed, never a valid jump target.
    case wideSecondHalf
    /// A slot the decoder rejects (only in programs built with ``Program/init(unchecked:)``): it
    /// traps with its static trap when control reaches it.
    case invalid

    /// The operation, for ``operation(_:)`` slots.
    @inlinable public var operation: DecodedOperation? {
        if case .operation(let operation) = self { operation } else { nil }
    }
}
