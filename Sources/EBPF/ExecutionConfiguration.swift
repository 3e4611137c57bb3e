/// How the `EBPF` module prepares a program to run: which engine, whether the verifier runs first,
/// which helpers exist and which limits apply.
public struct ExecutionConfiguration: Sendable {
    public var engine: Engine
    /// Whether the verifier must accept the program before it runs. When `false` the program runs
    /// with every run-time check in place (memory bounds, call depth, instruction budget).
    public var verify: Bool
    public var helpers: HelperRegistry
    public var limits: ExecutionLimits

    public init(
        engine: Engine = .interpreter, verify: Bool = true, helpers: HelperRegistry = HelperRegistry(),
        limits: ExecutionLimits = ExecutionLimits()
    ) {
        self.engine = engine
        self.verify = verify
        self.helpers = helpers
        self.limits = limits
    }
}
