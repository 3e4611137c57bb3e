/// Everything a differential run observes of one engine: how the program ended and the final
/// contents of the input memory and of the whole stack area.
public struct RunObservation: Equatable, Sendable {
    public var termination: RunTermination
    public var memory: [UInt8]
    public var stack: [UInt8]

    public init(termination: RunTermination, memory: [UInt8], stack: [UInt8]) {
        self.termination = termination
        self.memory = memory
        self.stack = stack
    }
}
