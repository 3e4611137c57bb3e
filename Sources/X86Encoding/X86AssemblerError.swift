/// Why the assembler could not produce code. These indicate a bug in the code generator that
/// drives the assembler, not bad user input, but they are reported rather than crashing.
public enum X86AssemblerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A jump or call names a label that was never bound.
    case unboundLabel(id: Int)
    /// A jump shortened to its 8-bit form ended up too far from its target.
    case shortJumpOutOfRange(jump: Int, distance: Int)

    public var description: String {
        switch self {
        case .unboundLabel(let id): "label \(id) used but never bound"
        case .shortJumpOutOfRange(let jump, let distance): "short jump \(jump) cannot reach its target (distance \(distance))"
        }
    }
}
