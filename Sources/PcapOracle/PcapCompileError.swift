/// Why ``PcapCompiler`` gave no program. Its description is one line.
public enum PcapCompileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// libpcap is not installed (or not usable): nothing was compiled.
    case libpcapUnavailable(LibpcapLoadError)
    /// `pcap_compile` refused `expression`; `message` is libpcap's text (`pcap_geterr`).
    case rejected(expression: String, message: String)

    public var description: String {
        switch self {
        case .libpcapUnavailable(let error): "\(error)"
        case .rejected(let expression, let message): "cannot compile '\(expression)': \(message)"
        }
    }
}
