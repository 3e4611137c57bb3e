/// Why the assembler could not produce code. These indicate a bug in the code generator that
/// drives the assembler, not bad user input, but they are reported rather than crashing.
public enum X86AssemblerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A jump or call names a label that was never bound.
    case unboundLabel(id: Int)
    /// A jump emitted in its 8-bit form ended up too far from its target.
    case shortJumpOutOfRange(jump: Int, distance: Int)
    /// The short-jump passes did not settle within the allowed number of passes.
    case layoutDidNotConverge(passes: Int)

    public var description: String {
        switch self {
        case .unboundLabel(let id): "label \(id) used but never bound"
        case .shortJumpOutOfRange(let jump, let distance): "short jump \(jump) cannot reach its target (distance \(distance))"
        case .layoutDidNotConverge(let passes): "jump layout did not converge after \(passes) passes"
        }
    }
}
