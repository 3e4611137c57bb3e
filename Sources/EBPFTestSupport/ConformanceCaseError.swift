/// Why a conformance `.data` file (or a directory of them) could not be read.
public struct ConformanceCaseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The case name (the file name without `.data`), or the directory for a listing error.
    public let name: String
    /// The 1-based line in the file, or `nil` when the problem is not tied to a line.
    public let line: Int?
    /// What is wrong, e.g. `invalid memory byte 'g1'`.
    public let message: String

    /// Creates an error about case `name`, at the 1-based `line` if there is one.
    public init(name: String, line: Int?, message: String) {
        self.name = name
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(name): line \(line): \(message)" }
        return "\(name): \(message)"
    }
}
