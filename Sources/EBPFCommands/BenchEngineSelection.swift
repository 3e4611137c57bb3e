import ArgumentParser

/// Which engines `ebpf bench` times.
enum BenchEngineSelection: String, CaseIterable, ExpressibleByArgument {
    case interpreter
    case jit
    case all

    var includesInterpreter: Bool { self != .jit }
    var includesJIT: Bool { self != .interpreter }
}
