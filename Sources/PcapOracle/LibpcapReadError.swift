/// Why ``LibpcapReader`` read no packets. Its description is one line.
public enum LibpcapReadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// libpcap is not installed (or not usable).
    case libpcapUnavailable(LibpcapLoadError)
    /// `pcap_open_offline` refused the file; `message` is libpcap's text.
    case cannotRead(path: String, message: String)

    public var description: String {
        switch self {
        case .libpcapUnavailable(let error): "\(error)"
        case .cannotRead(let path, let message): "\(path): \(message)"
        }
    }
}
