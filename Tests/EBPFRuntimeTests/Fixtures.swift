import EBPFTestSupport
import Foundation

/// Paths of the committed example objects and test fixtures, from this file's location.
enum Fixtures {
    static let repositoryRoot = RepositoryLayout.root

    /// The bytes of `examples/c/NAME.o`.
    static func example(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: repositoryRoot.appendingPathComponent("examples/c/\(name).o")))
    }

    /// The bytes of `Tests/EBPFRuntimeTests/Fixtures/NAME.o`.
    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: repositoryRoot.appendingPathComponent("Tests/EBPFRuntimeTests/Fixtures/\(name).o")))
    }

    static let exampleNames = ["packet_counter", "port_filter", "ringbuf_events"]
}
