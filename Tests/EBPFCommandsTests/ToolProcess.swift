import EBPFTestSupport
import Foundation

/// Runs one of the package's executables (built next to the test bundle) and captures its output.
struct ToolProcess {
    let status: Int32
    let standardOutput: String
    let standardError: String

    /// The folder that holds the built products (`.build/debug` or `.build/release`).
    static let productsDirectory: URL = {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        // The test binary lives inside `<name>.xctest` on some layouts; step out of bundles.
        while folder.pathExtension == "xctest" || folder.lastPathComponent == "MacOS" {
            folder = folder.deletingLastPathComponent()
        }
        return folder
    }()

    /// Runs one of the package's executables; `environment` is added to (or overrides) this
    /// process's environment.
    static func run(_ tool: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> ToolProcess {
        try run(executable: productsDirectory.appendingPathComponent(tool), arguments, input: input, environment: environment)
    }

    /// Runs any executable, such as a system tool used as an oracle.
    static func run(executable: URL, _ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> ToolProcess {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        process.currentDirectoryURL = RepositoryLayout.root
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inPipe.fileHandleForWriting.close()
        let outData = readToEnd(out.fileHandleForReading)
        let errData = readToEnd(err.fileHandleForReading)
        process.waitUntilExit()
        return ToolProcess(
            status: process.terminationStatus,
            standardOutput: String(decoding: outData, as: UTF8.self),
            standardError: String(decoding: errData, as: UTF8.self))
    }

    /// Everything left in `handle`, read with read(2) and retried on EINTR: Foundation's
    /// `readDataToEndOfFile()` stops the test process with a fatal error when a signal
    /// interrupts the read, which happens on a loaded machine.
    static func readToEnd(_ handle: FileHandle) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[..<count])
            } else if count == 0 || errno != EINTR {
                return data
            }
        }
    }
}
