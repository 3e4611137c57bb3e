// Added by the runtime work (EBPFRuntime): the glue from a linked program (maps, helpers, map
// storage regions) to the verifier and the engines. Additive: nothing else in EBPF changes.
@_exported import EBPFRuntime

extension MapDefinition {
    /// The verifier's view of the map: kind and key/value sizes.
    public var verifierDescriptor: MapDescriptor {
        let kind: MapDescriptor.Kind
        switch type {
        case .hash: kind = .hash
        case .array: kind = .array
        case .lruHash: kind = .lruHash
        case .perCPUArray: kind = .perCPUArray
        case .perCPUHash, .lruPerCPUHash: kind = .perCPUHash
        case .ringBuffer: kind = .ringBuffer
        case .lpmTrie: kind = .hash  // lookups may miss: NULL-checked like a hash map's
        case .programArray, .deviceMap, .cpuMap, .xdpSocketMap: kind = .other
        }
        return MapDescriptor(kind: kind, keySize: keySize, valueSize: valueSize, maxEntries: maxEntries)
    }
}

extension LinkedProgram {
    /// `base` with this program's maps (by handle) and licence filled in, as
    /// ``ExecutionPipeline`` gives them to the verifier.
    public func verifierOptions(_ base: VerifierOptions = VerifierOptions()) -> VerifierOptions {
        PipelineInput(self).verifierOptions(base)
    }

    /// Verifies ``verifierProgram`` with this program's helpers and maps (unless
    /// `configuration.verify` is off); `nil` when verification is off. The same path as a plain
    /// program's (``ExecutionPipeline/verify(_:memorySize:configuration:)``, with ``PipelineInput/init(_:)``).
    public func verify(
        configuration: ExecutionConfiguration = ExecutionConfiguration(), memorySize: Int? = nil
    ) throws(PipelineError) -> VerificationResult? {
        try ExecutionPipeline.verify(PipelineInput(self), memorySize: memorySize, configuration: configuration)
    }

    /// Verifies (unless `configuration.verify` is off) and builds `configuration.engine` over
    /// ``program`` with this program's helpers (`configuration.helpers` is not used) and its map
    /// storage as extra regions. Run the result with ``run(using:memory:trace:)``.
    public func prepare(
        configuration: ExecutionConfiguration = ExecutionConfiguration(), memorySize: Int? = nil
    ) throws(PipelineError) -> any ProgramRunner & Sendable {
        try ExecutionPipeline.prepare(PipelineInput(self), memorySize: memorySize, configuration: configuration)
    }

    /// This program prepared with `configuration`, as a target for program arrays.
    public func tailCallTarget(
        configuration: ExecutionConfiguration = ExecutionConfiguration(), memorySize: Int? = nil
    ) throws(PipelineError) -> TailCallTarget {
        TailCallTarget(program: self, runner: try prepare(configuration: configuration, memorySize: memorySize))
    }
}
