import EBPFCore
import EBPFProgramGenerator

/// A family of generated programs the fuzzer draws from, with the instruction budget its runs use.
public enum FuzzPreset: String, Sendable, Hashable, CaseIterable {
    /// Every feature (loops, local calls, helper calls, atomics, packet loads), safe programs only.
    case `default`
    /// Forward branches only: no loops, no calls.
    case straightLine
    /// Every feature plus hazards (out-of-bounds accesses, runaway loops and recursion, unknown
    /// helpers) in about one statement in twelve.
    case unsafe
    /// ALU and jumps only, with immediates the Linux verifier accepts: the subset the kernel oracle
    /// can run.
    case aluJump
    /// What the kernel oracle can also run beyond ``aluJump``: stack loads, stores and atomics,
    /// bounded loops and local calls (no input memory, no helpers, no packet loads).
    case kernelStack
    /// Each seed picks one of the other presets (seed modulo 5), so one campaign covers them all.
    case mixed
    /// Safe programs whose loops run up to 300 times (nested, up to 60,000 instructions per run):
    /// what the widening loop policy is for. Not part of ``mixed``.
    case longLoops
    /// The verifier soundness campaign (``VerifierSoundnessCampaign``): generated programs with
    /// accesses at the edges of their regions, mutated, verified under three policies, and every
    /// accepted one run with all run-time checks. Not part of ``mixed``; not a differential run.
    case verifierSoundness
    /// Safe programs that keep all of R0–R9 live across helper calls, divisions and shifts
    /// (``RandomProgramGenerator/Options/keepsRegistersLive``), with three times the helper calls
    /// of ``default``; each runs under every JIT configuration (``FuzzEngines/jitOptions``), with
    /// and without the verifier's facts. Not part of ``mixed``.
    case registerPressure

    /// The generator options of this preset (``mixed`` resolves per seed, see ``resolved(seed:)``).
    public var generatorOptions: RandomProgramGenerator.Options {
        switch self {
        case .default, .mixed: return .default
        case .straightLine: return .straightLine
        case .unsafe: return .unsafe
        case .aluJump: return Self.aluJumpOptions
        case .kernelStack: return Self.kernelStackOptions
        case .longLoops: return Self.longLoopOptions
        case .verifierSoundness: return VerifierSoundnessCampaign.memoryOptions
        case .registerPressure: return Self.registerPressureOptions
        }
    }

    /// The preset a seed runs under: itself, or for ``mixed`` one of the five concrete presets.
    public func resolved(seed: UInt64) -> FuzzPreset {
        guard self == .mixed else { return self }
        return [.default, .straightLine, .unsafe, .aluJump, .kernelStack][Int(seed % 5)]
    }

    /// The instruction budget of runs: small for ``unsafe`` (some of its programs loop forever).
    public var limits: ExecutionLimits {
        ExecutionLimits(instructionBudget: self == .unsafe ? 5_000 : 200_000)
    }

    /// Generator options for programs that touch no memory and call nothing: ALU (32 and 64 bit,
    /// every operation, edge constants), wide constants and conditional jumps (JMP and JMP32).
    public static var kernelStackOptions: RandomProgramGenerator.Options {
        var options = RandomProgramGenerator.Options.default
        options.memorySize = 0...0
        options.packetLoads = false
        options.helperCalls = false
        options.registerCalls = false
        options.kernelCompatibleImmediates = true
        options.weights.bufferStore = 0
        options.weights.bufferLoad = 0
        options.weights.helperCall = 0
        options.weights.packetLoad = 0
        return options
    }

    public static var registerPressureOptions: RandomProgramGenerator.Options {
        var options = RandomProgramGenerator.Options.default
        options.keepsRegistersLive = true
        options.weights.alu = 40
        options.weights.helperCall = 10
        return options
    }

    public static var longLoopOptions: RandomProgramGenerator.Options {
        var options = RandomProgramGenerator.Options.default
        options.maxLoopIterations = 300
        options.maxExecutedInstructions = 60_000
        options.weights.loop = 6
        return options
    }

    public static var aluJumpOptions: RandomProgramGenerator.Options {
        var options = RandomProgramGenerator.Options.straightLine
        options.memorySize = 0...0
        options.atomics = false
        options.packetLoads = false
        options.kernelCompatibleImmediates = true
        options.weights.stackStore = 0
        options.weights.stackLoad = 0
        options.weights.bufferStore = 0
        options.weights.bufferLoad = 0
        options.weights.atomic = 0
        options.weights.localCall = 0
        options.weights.helperCall = 0
        options.weights.packetLoad = 0
        return options
    }
}
