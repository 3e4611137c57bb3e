/// How the `EBPF` module prepares a program to run: which engine, whether the verifier runs first,
/// which helpers exist and which limits apply.
public struct ExecutionConfiguration: Sendable {
    public var engine: Engine
    /// Whether the verifier must accept the program before it runs. When `false` the program runs
    /// with every run-time check in place (memory bounds, call depth, instruction budget).
    public var verify: Bool
    /// Loop policy, licence and maps for the verifier. `contextSize` left `nil` is filled in with the
    /// memory size passed to ``ExecutionPipeline/prepare(_:memorySize:configuration:)``, if any.
    /// The default's loop policy is ``VerifierOptions/LoopPolicy/automatic``, as the CLI's.
    public var verifierOptions: VerifierOptions
    public var helpers: HelperRegistry
    public var limits: ExecutionLimits
    /// Register map and CPU features for the JIT.
    public var jitOptions: JITOptions

    public init(
        engine: Engine = .interpreter, verify: Bool = true, verifierOptions: VerifierOptions = VerifierOptions(loops: .automatic),
        helpers: HelperRegistry = HelperRegistry(),
        limits: ExecutionLimits = ExecutionLimits(), jitOptions: JITOptions = JITOptions()
    ) {
        self.jitOptions = jitOptions
        self.engine = engine
        self.verify = verify
        self.verifierOptions = verifierOptions
        self.helpers = helpers
        self.limits = limits
    }
}
