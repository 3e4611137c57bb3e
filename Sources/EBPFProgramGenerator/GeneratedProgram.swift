import EBPFCore

/// One program from ``RandomProgramGenerator``, with the input memory it was generated for.
public struct GeneratedProgram: Sendable, Hashable {
    /// The seed that reproduces this program with the same generator options.
    public let seed: UInt64
    public let program: Program
    /// The initial contents of the input memory (R1 points at a copy, R2 is its length). Buffer
    /// accesses in a safe program stay inside `memory.count` bytes.
    public let memory: [UInt8]
    /// Whether hazards (possible out-of-bounds accesses, infinite loops, runaway recursion, unknown
    /// helpers) were planted. A program without hazards never traps.
    public let containsHazards: Bool
    /// Number of generated functions, the entry function included.
    public let functionCount: Int

    public init(seed: UInt64, program: Program, memory: [UInt8], containsHazards: Bool, functionCount: Int) {
        self.seed = seed
        self.program = program
        self.memory = memory
        self.containsHazards = containsHazards
        self.functionCount = functionCount
    }

    /// The input memory size the program expects.
    public var memorySize: Int { memory.count }
}
