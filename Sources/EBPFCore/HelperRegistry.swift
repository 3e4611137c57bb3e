/// The helpers available to a program, by id. Both engines and the verifier read the same
/// registry, so a program sees the same helpers whichever engine runs it.
public struct HelperRegistry: Sendable {
    private var helpers: [Int32: HelperFunction] = [:]

    public init() {}

    public init(_ helpers: [HelperFunction]) {
        for helper in helpers { register(helper) }
    }

    /// Adds or replaces the helper with `helper.id`.
    public mutating func register(_ helper: HelperFunction) {
        helpers[helper.id] = helper
    }

    public subscript(id: Int32) -> HelperFunction? { helpers[id] }

    /// All registered helpers, sorted by id.
    public var all: [HelperFunction] { helpers.values.sorted { $0.id < $1.id } }

    /// The helpers the conformance corpus relies on: helper 5 returns its first argument
    /// (`call_unwind_fail.data`, `callx.data`).
    public static let conformance = HelperRegistry([
        HelperFunction(
            id: 5, name: "identity",
            signature: HelperSignature(arguments: [.anything], returns: .scalar),
            body: { r1, _, _, _, _ in r1 }
        ),
    ])
}
