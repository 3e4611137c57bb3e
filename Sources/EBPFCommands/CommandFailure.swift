import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An error the commands report as one line on standard error before exiting with status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Runs `body`; any error becomes one line on standard error and exit status 1, which is the
/// contract scripts rely on (`ebpf run` prints R0 and exits 0, or one error line and exits 1).
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        // One line, as scripts expect: multi-line descriptions (a verifier error with its register
        // state) are joined with "; ".
        let lines = "\(error)".split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        printError("error: " + lines.joined(separator: "; "))
        throw ExitCode(1)
    }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    var text = line
    if !text.hasSuffix("\n") { text += "\n" }
    // write(2) on descriptor 2 rather than the global `stderr` FILE*, which Swift 6 treats as
    // unsafe shared mutable state.
    _ = text.withCString { write(2, $0, strlen($0)) }
}
