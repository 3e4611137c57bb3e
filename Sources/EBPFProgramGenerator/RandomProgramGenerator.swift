import EBPFCore

/// Generates random eBPF programs for differential testing, reproducibly from a seed.
///
/// With default options every program is *safe*: it is structurally valid, reads no register or
/// stack byte before writing it, never reads R1–R5 after a call, keeps every access inside its
/// frame or the input memory, has only bounded loops and acyclic local calls, calls only
/// ``TestHelpers``, and ends with R0 set and `exit`. Such a program terminates without trapping
/// on any correct engine, and its result, final memory and final stack do not depend on anything
/// but the program and the input memory.
///
/// With ``Options/hazardPercent`` above zero, the generator also plants *hazards* (accesses at
/// random offsets or through scalars, infinite loops, recursion, unknown helpers) so that engines
/// can be compared on traps. Run those with a small instruction budget.
///
/// ```swift
/// let generator = RandomProgramGenerator()
/// for seed in 0..<1000 as Range<UInt64> {
///     let generated = generator.generate(seed: seed)
///     // run generated.program over generated.memory
/// }
/// ```
public struct RandomProgramGenerator: Sendable {
    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// The program for `seed`. The same seed and options always give the same program.
    public func generate(seed: UInt64) -> GeneratedProgram {
        var rng = SplitMix64(seed: seed)
        let memorySize = rng.value(in: options.memorySize)
        var memory = [UInt8](repeating: 0, count: memorySize)
        for index in memory.indices { memory[index] = UInt8(truncatingIfNeeded: rng.next()) }

        // Functions only call functions laid out after them, so the deepest chain has functionCount frames.
        let maxLocalFunctions = min(max(0, options.maxLocalFunctions), ExecutionLimits.maxCallDepth - 1)
        let functionCount = options.localCalls ? 1 + rng.value(in: 0...maxLocalFunctions) : 1
        // Leaf-most functions first, so each caller knows the cost of what it calls.
        var functions = [FunctionBuilder.Output?](repeating: nil, count: functionCount)
        var calleeCosts = [Int](repeating: 0, count: functionCount)
        // The entry function reads R2 (the memory length) as a scalar, so a recursive call to it
        // (a hazard) passes R2 too.
        var calleeArities = [Int](repeating: 2, count: functionCount)
        for index in (1..<functionCount).reversed() { calleeArities[index] = rng.value(in: 1...5) }
        for index in (0..<functionCount).reversed() {
            var builder = FunctionBuilder(
                index: index, functionCount: functionCount, arity: calleeArities[index],
                calleeCosts: calleeCosts, calleeArities: calleeArities,
                memorySize: memorySize, options: options, rng: rng
            )
            let output = builder.build()
            rng = builder.rng
            calleeCosts[index] = output.cost
            functions[index] = output
        }
        let built = functions.map { $0! }
        let reachable = Self.reachableFunctions(built)
        return GeneratedProgram(
            seed: seed, program: Self.link(built), memory: memory,
            containsHazards: reachable.contains { built[$0].containsHazards }, functionCount: reachable.count
        )
    }

    /// The functions reachable from the entry function through local calls, entry first.
    static func reachableFunctions(_ functions: [FunctionBuilder.Output]) -> [Int] {
        var reached = [Bool](repeating: false, count: functions.count)
        var order: [Int] = []
        var pending = [0]
        reached[0] = true
        while let function = pending.popLast() {
            order.append(function)
            for call in functions[function].localCalls where !reached[call.callee] {
                reached[call.callee] = true
                pending.append(call.callee)
            }
        }
        return [0] + order.dropFirst().sorted()
    }

    /// Lays out the reachable functions one after another (entry first) and resolves local calls.
    /// Functions nobody calls are left out, so the program has no unreachable code.
    static func link(_ functions: [FunctionBuilder.Output]) -> Program {
        let order = reachableFunctions(functions)
        var start = [Int](repeating: -1, count: functions.count)
        var slots: [Instruction] = []
        for function in order {
            start[function] = slots.count
            slots.append(contentsOf: functions[function].code)
        }
        for function in order {
            for call in functions[function].localCalls {
                let callIndex = start[function] + call.slot
                slots[callIndex].immediate = Int32(start[call.callee] - callIndex - 1)
            }
        }
        return Program(unchecked: slots)
    }
}
