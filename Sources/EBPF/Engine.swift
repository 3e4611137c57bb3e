/// The two execution engines. Both run the same programs with the same results; the interpreter
/// is the reference, the JIT is the fast one.
public enum Engine: String, Sendable, CaseIterable {
    case interpreter
    case jit
}
