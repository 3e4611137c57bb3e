import Synchronization

/// Collects the lines `bpf_trace_printk` writes during runs that were given this log (the
/// kernel's `trace_pipe`). Runs without a log write the lines to standard error.
public final class TraceLog: Sendable {
    private let storage = Mutex<[String]>([])

    public init() {}

    /// The lines written so far, oldest first.
    public var lines: [String] { storage.withLock { $0 } }

    /// Removes and returns the lines written so far.
    public func drain() -> [String] {
        storage.withLock { lines in
            defer { lines.removeAll() }
            return lines
        }
    }

    func append(_ line: String) {
        storage.withLock { $0.append(line) }
    }
}
