import Foundation

/// Where the repository's committed files are, for tests that read examples, fixtures,
/// benchmark programs or regression files.
///
/// Tests run from wherever SwiftPM puts them, so the root is worked out once, here, from this
/// source file's compile-time path (`<root>/Sources/EBPFTestSupport/RepositoryLayout.swift`),
/// rather than from the working directory or in each test target.
public enum RepositoryLayout {
    /// The directory holding `Package.swift`.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // EBPFTestSupport
        .deletingLastPathComponent()  // Sources
        .deletingLastPathComponent()

    /// `relativePath` (for example `examples/c/port_filter.o`) inside the repository.
    public static func url(_ relativePath: String) -> URL {
        root.appendingPathComponent(relativePath)
    }
}
