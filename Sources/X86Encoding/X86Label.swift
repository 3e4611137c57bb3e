/// A position in the code being assembled, bound once with ``X86Assembler/bind(_:)`` and usable
/// as a jump or call target before or after it is bound.
public struct X86Label: Sendable, Hashable {
    /// Index into the assembler's label table.
    public let id: Int
}
