/// What ``ExecutionPipeline`` prepares: the program the verifier checks, the program the engine
/// runs, and what both are given. A plain program and a ``LinkedProgram`` both become one, so
/// they go through the same verify-then-build path.
///
/// - For a plain program both programs are the same, the helpers are the configuration's and
///   there are no extra regions.
/// - For a linked program the verifier checks ``LinkedProgram/verifierProgram`` (map references
///   as handles) with the program's maps and licence, and the engine runs
///   ``LinkedProgram/program`` with the linked helpers and the map storage as extra regions. The
///   verifier's facts are padded to the slots the linker appended
///   (``EBPFCore/VerifiedFacts/padded(toSlotCount:)``).
public struct PipelineInput: Sendable {
    /// What the verifier checks.
    public var verifierProgram: Program
    /// What the engine runs: ``verifierProgram``'s slots (constants may differ), possibly followed
    /// by more slots the verifier's facts say nothing about.
    public var program: Program
    /// The helpers the verifier and the engine know; `nil` for the configuration's
    /// (``ExecutionConfiguration/helpers``).
    public var helpers: HelperRegistry?
    /// The maps by handle the verifier knows; `nil` to keep the configuration's
    /// (``ExecutionConfiguration/verifierOptions``).
    public var maps: [Int32: MapDescriptor]?
    /// The licence for GPL-only helpers when the configuration's verifier options name none.
    public var license: String?
    /// Memory besides the input and the stack the program may access (map storage), checked at
    /// run time by both engines.
    public var extraRegions: [MemoryRegion]
    /// The typed context R1 points at (an XDP program's), for the verifier; `nil` for the raw
    /// convention (R1 the input memory, R2 its length).
    public var context: ContextDescriptor?

    public init(
        verifierProgram: Program, program: Program, helpers: HelperRegistry? = nil,
        maps: [Int32: MapDescriptor]? = nil, license: String? = nil, extraRegions: [MemoryRegion] = [],
        context: ContextDescriptor? = nil
    ) {
        self.context = context
        self.verifierProgram = verifierProgram
        self.program = program
        self.helpers = helpers
        self.maps = maps
        self.license = license
        self.extraRegions = extraRegions
    }

    /// A plain program: verified and run as it is, with the configuration's helpers.
    public init(_ program: Program) {
        self.init(verifierProgram: program, program: program)
    }

    /// A linked program: see the type's description.
    public init(_ linked: LinkedProgram) {
        self.init(
            verifierProgram: linked.verifierProgram, program: linked.program, helpers: linked.helpers,
            maps: linked.mapDefinitions.mapValues(\.verifierDescriptor), license: linked.license,
            extraRegions: linked.regions, context: linked.type.contextLayout?.verifierDescriptor)
    }

    /// The helpers to verify and build with under `configuration`.
    func helpers(_ configuration: ExecutionConfiguration) -> HelperRegistry {
        helpers ?? configuration.helpers
    }

    /// `base` with this input's maps and licence filled in.
    func verifierOptions(_ base: VerifierOptions) -> VerifierOptions {
        var options = base
        if let maps { options.maps = maps }
        if options.license == nil { options.license = license }
        if let context { options.context = context }
        return options
    }

    /// `facts` proven on ``verifierProgram``, for the engine running ``program``.
    func engineFacts(_ facts: VerifiedFacts?) -> VerifiedFacts? {
        facts?.padded(toSlotCount: program.count)
    }
}
