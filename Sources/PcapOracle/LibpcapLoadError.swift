/// libpcap could not be opened: no candidate library was found, or none had every function
/// PcapOracle calls. Its description is one line that names the package to install.
public struct LibpcapLoadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// One library tried and why it was refused.
    public struct Attempt: Equatable, Sendable {
        /// The name or path given to `dlopen`.
        public var library: String
        /// `dlerror`'s text, or the function the library lacks.
        public var reason: String

        public init(library: String, reason: String) {
            self.library = library
            self.reason = reason
        }
    }

    /// Every candidate, in the order tried.
    public var attempts: [Attempt]

    public init(attempts: [Attempt]) {
        self.attempts = attempts
    }

    /// What to install, by distribution: the runtime library only (no headers are needed).
    public static let installHint = "install the libpcap runtime library (Debian/Ubuntu: libpcap0.8; Fedora: libpcap; Alpine: libpcap)"

    /// `cannot load libpcap (tried libpcap.so.1, libpcap.so.0.8, libpcap.so: cannot open shared
    /// object file: No such file or directory); install ...`.
    public var description: String { "cannot load libpcap (\(triedSummary)); \(Self.installHint)" }

    /// What was tried and why each was refused, each reason once: `tried libpcap.so.1,
    /// libpcap.so: cannot open shared object file: No such file or directory`.
    public var triedSummary: String {
        let reasons = attempts.map(\.reason)
        guard let first = reasons.first else { return "no library to try" }
        if reasons.allSatisfy({ $0 == first }) {
            return "tried \(attempts.map(\.library).joined(separator: ", ")): \(first)"
        }
        return "tried " + attempts.map { "\($0.library): \($0.reason)" }.joined(separator: "; ")
    }
}
