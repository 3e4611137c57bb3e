/// Why the verifier rejected a program: where, why (in the Linux verifier's words where it has
/// some, e.g. `R2 !read_ok`, `invalid stack off=-520 size=8`, `back-edge from insn 7 to 3`), and
/// the abstract register state at that point.
public struct VerifierError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The instruction slot the error is about.
    public var index: Int
    /// The reason, without the instruction index.
    public var message: String
    /// The registers and stack slots known at that point, rendered like the kernel's log
    /// (`R1=ctx(off=0,sz=8,imm=0) R10=fp0`); empty for errors found before the analysis.
    public var registerState: String
    /// The analysis log up to the error, when ``VerifierOptions/collectsLog`` was set.
    public var log: [String]

    public init(index: Int, message: String, registerState: String = "", log: [String] = []) {
        self.index = index
        self.message = message
        self.registerState = registerState
        self.log = log
    }

    public var description: String {
        var text = "instruction \(index): \(message)"
        if !registerState.isEmpty { text += "\n  state: " + registerState }
        return text
    }
}
