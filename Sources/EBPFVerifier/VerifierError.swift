/// Why the verifier rejected a program: what kind of problem, where, why (in the Linux verifier's
/// words where it has some, e.g. `R2 !read_ok`, `invalid stack off=-520 size=8`,
/// `back-edge from insn 7 to 3`), and the abstract register state at that point.
///
/// Decide on ``kind``; ``message`` is for people (and for comparing with the kernel's log).
public struct VerifierError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem stopped the verifier. Callers decide by kind, never by the text of
    /// the message.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A slot does not decode: an unknown opcode, a reserved field that is not zero, a
        /// register above R10, an `lddw` without a well-formed second slot (`unknown opcode ff`,
        /// `BPF_JMP uses reserved fields`, `R12 is invalid`, `invalid bpf_ld_imm64 insn`). Only
        /// programs built with `Program(unchecked:)` can have one.
        case malformed
        /// The program decodes but its control flow is not acceptable: empty, a jump or call to a
        /// bad target, a function that does not end in `exit` or `ja`, an unreachable
        /// instruction, a back-edge under the `strict` loop policy.
        case structure
        /// The program names something the verifier's environment does not provide or permit: an
        /// unknown helper or map, a GPL-only helper without a GPL-compatible licence, a map value
        /// offset past the value; or the helper registry declares a signature the verifier
        /// cannot check.
        case environment
        /// The abstract interpretation cannot prove an instruction safe on some path: an
        /// uninitialised register, an access outside its region, forbidden pointer arithmetic,
        /// a pointer where a helper expects something else, an endless loop (`bounded`: a
        /// state repeats on a path whose every branch the state itself decided, so every run
        /// that gets there goes round forever), a loop without an invariant that keeps a
        /// register's type (`widening`). The program may be unsafe, or safe in a way the
        /// abstract domain cannot express.
        case safetyViolation
        /// Under `bounded`, a loop head was reached again on one path with the same state, after
        /// branches whose outcome the verifier could not decide (`infinite loop detected at insn
        /// N (the state repeats …)`): the loop may not exit for some input, or the abstract
        /// domain loses what changes from one iteration to the next (a counter kept in a form it
        /// does not track). Nothing unsafe was found; the `automatic` loop policy retries these
        /// with `widening`.
        case repeatedState
        /// The analysis ran out of its processed-instruction budget (`BPF program is too
        /// large`): the program may be safe, but walking it (typically unrolling a long loop
        /// under `bounded`) costs too much. The `automatic` loop policy retries these with
        /// `widening`.
        case budgetExhausted
        /// The program uses a construct the verifier does not model: `lddw` of a variable or
        /// function address (src 3 and 4), `callx` through a register whose helper id is not a
        /// known constant.
        case unsupported
        /// The program exceeds a fixed limit of the verifier or the engines: more slots than
        /// ``VerifierOptions/maxInstructions``, local calls nested deeper than the engines'
        /// call depth.
        case resourceLimit
    }

    /// What kind of problem it is.
    public var kind: Kind

    /// Whether the `automatic` loop policy retries a `bounded` rejection of this kind with
    /// `widening`: the bounded walk gave up without finding anything unsafe
    /// (``Kind/budgetExhausted``, ``Kind/repeatedState``).
    public var isRetriedWithWidening: Bool { kind == .budgetExhausted || kind == .repeatedState }
    /// The instruction slot the error is about.
    public var index: Int
    /// The reason, without the instruction index.
    public var message: String
    /// The registers and stack slots known at that point, rendered like the kernel's log
    /// (`R1=ctx(off=0,sz=8,imm=0) R10=fp0`); empty for errors found before the analysis.
    public var registerState: String
    /// The analysis log up to the error, when ``VerifierOptions/collectsLog`` was set.
    public var log: [String]

    public init(kind: Kind, index: Int, message: String, registerState: String = "", log: [String] = []) {
        self.kind = kind
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
