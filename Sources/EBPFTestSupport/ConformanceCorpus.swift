import EBPFAssembler
import Foundation

/// Where the bpf_conformance corpus lives for tests, and its parsed cases.
public enum ConformanceCorpus {
    /// The environment variable that overrides the corpus directory.
    public static let environmentVariable = "EBPF_CONFORMANCE_DIR"

    /// The directory of `.data` files: `$EBPF_CONFORMANCE_DIR` when set, else
    /// `<repository root>/../shared/conformance/tests` (the root derived from this file's
    /// path); `nil` when that directory does not exist.
    public static let directory: String? = {
        let path: String
        if let override = ProcessInfo.processInfo.environment[environmentVariable], !override.isEmpty {
            path = override
        } else {
            path = RepositoryLayout.root.deletingLastPathComponent()
                .appendingPathComponent("shared/conformance/tests").standardizedFileURL.path
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return nil
        }
        return path
    }()

    /// Every case of the corpus sorted by name; empty when ``directory`` is `nil` or a file
    /// cannot be parsed (tests that need the cases should also check ``loadCases()``).
    public static let cases: [ConformanceCase] = (try? loadCases()) ?? []

    /// Loads the corpus, throwing the first parse error; empty when ``directory`` is `nil`.
    public static func loadCases() throws(ConformanceCaseError) -> [ConformanceCase] {
        guard let directory else { return [] }
        return try ConformanceCase.loadDirectory(directory)
    }

    /// Whether the corpus directory exists (for `.enabled(if:)`).
    public static var isAvailable: Bool { directory != nil }
}
