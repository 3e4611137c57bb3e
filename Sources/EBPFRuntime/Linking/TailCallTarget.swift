import EBPFCore

/// A program that `bpf_tail_call` can jump to: the linked program (for its maps and regions) and
/// an engine ready to run it (an interpreter or a compiled program built from
/// ``LinkedProgram/program``).
public struct TailCallTarget: Sendable {
    public let program: LinkedProgram
    public let runner: any ProgramRunner & Sendable

    public init(program: LinkedProgram, runner: any ProgramRunner & Sendable) {
        self.program = program
        self.runner = runner
    }
}
