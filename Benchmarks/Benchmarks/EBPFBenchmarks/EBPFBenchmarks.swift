import Benchmark
import EBPF
import Foundation

// Execution, compile time, verification time and allocations per call for the C programs in
// Benchmarks/programs (the map-heavy ones as ELF objects linked against their maps), plus JIT
// compile time of synthetic programs from 50 to 1,000,000 instructions (to see whether compile
// time is linear in program size).
let benchmarks: @Sendable () -> Void = {
    let programs = BenchmarkProgram.all()
    // A thousand calls per sample, so the harness's own per-sample work (about 100 ns and its
    // mallocs) is spread over them: the figures package-benchmark prints are per call.
    let execution = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .instructions], scalingFactor: .kilo,
        maxDuration: .seconds(2), maxIterations: 100_000)
    let preparation = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(2), maxIterations: 10_000)

    for entry in programs {
        let verification = entry.verification()
        let facts = verification?.facts
        let interpreter = Interpreter(program: entry.program, helpers: .conformance)
        let compiled = try? JIT.compile(entry.program, helpers: .conformance, facts: facts)

        // Input and stack are allocated once, outside the measured closures, so the mallocs
        // counted are the engine's own.
        let buffers = RunBuffers(memory: entry.memory)
        Benchmark("execute/interpreter/\(entry.name)", configuration: execution) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try interpreter.run(memory: buffers.input, stack: buffers.stack))
            }
        }
        if let compiled {
            // Zero mallocs expected: a compiled filter call must not allocate. The public fast
            // path: the code's own stack area (not zero-filled for verified programs).
            Benchmark("execute/jit/\(entry.name)", configuration: execution) { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(try compiled.run(buffers.input))
                }
            }
        }
        if let native = NativeFunction(symbol: entry.name) {
            // The same C compiled natively (scripts/bench-build.sh), for JIT/native ratios.
            Benchmark("execute/native/\(entry.name)", configuration: execution) { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(native.body(buffers.input.baseAddress, UInt64(buffers.input.count)))
                }
            }
        }
        Benchmark("compile/jit/\(entry.name)", configuration: preparation) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try JIT.compile(entry.program, helpers: .conformance, facts: facts))
            }
        }
        Benchmark("compile/interpreter/\(entry.name)", configuration: preparation) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(Interpreter(program: entry.program, helpers: .conformance))
            }
        }
        Benchmark("decode/\(entry.name)", configuration: preparation) { benchmark in
            let bytes = entry.program.bytes
            for _ in benchmark.scaledIterations {
                blackHole(try Program(decoding: bytes))
            }
        }
        if verification != nil {
            Benchmark("verify/\(entry.name)", configuration: preparation) { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(try ExecutionPipeline.verify(
                        entry.program, memorySize: entry.memory.count, configuration: ExecutionConfiguration()))
                }
            }
        }
    }

    // The map-heavy programs, run the way the runtime runs them: LinkedProgram.run installs the
    // helpers' run context and gives the engine a fresh stack area (in its own frame).
    for entry in LinkedBenchmarkProgram.all() {
        let verification = entry.verification()
        let facts = verification?.facts
        let interpreter = entry.interpreter()
        let compiled = try? entry.compile(facts: facts)
        let buffers = RunBuffers(memory: entry.memory)
        // One run outside the measurement: the hash map's keys are inserted by the first run,
        // so the measured runs look up and update existing keys only.
        if let compiled { _ = try? entry.linked.run(using: compiled, memory: buffers.input) }
        Benchmark("execute/interpreter/\(entry.name)", configuration: execution) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try entry.linked.run(using: interpreter, memory: buffers.input))
            }
        }
        if let compiled {
            // Zero mallocs expected: lookups and updates of existing keys do not allocate.
            Benchmark("execute/jit/\(entry.name)", configuration: execution) { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(try entry.linked.run(using: compiled, memory: buffers.input))
                }
            }
        }
        if let native = NativeFunction(symbol: entry.name) {
            // The C equivalent: bench_maps.h's maps and out-of-line helper functions.
            Benchmark("execute/native/\(entry.name)", configuration: execution) { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(native.body(buffers.input.baseAddress, UInt64(buffers.input.count)))
                }
            }
        }
        Benchmark("compile/jit/\(entry.name)", configuration: preparation) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try entry.compile(facts: facts))
            }
        }
        if verification != nil {
            Benchmark("verify/\(entry.name)", configuration: preparation) { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(try entry.linked.verify(memorySize: entry.memory.count))
                }
            }
        }
    }

    // What the harness itself counts per sample (subtract from execute/* mallocs).
    Benchmark("baseline/empty", configuration: execution) { benchmark in
        for index in benchmark.scaledIterations { blackHole(index) }
    }

    for count in [50, 1_000, 10_000, 100_000, 1_000_000] {
        let program = BenchmarkProgram.straightLine(count: count)
        Benchmark("compile/jit/straight-line-\(count)", configuration: .init(
            metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(3), maxIterations: count >= 100_000 ? 10 : 2_000)
        ) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try JIT.compile(program))
            }
        }
    }
}

/// The input memory and zeroed stack area of one program, allocated once and kept for the
/// process's life (benchmarks run one at a time).
final class RunBuffers: @unchecked Sendable {
    let input: UnsafeMutableRawBufferPointer
    let stack: UnsafeMutableRawBufferPointer

    init(memory: [UInt8]) {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(memory.count, 1), alignment: 16)
        storage.copyBytes(from: memory)
        input = UnsafeMutableRawBufferPointer(rebasing: storage[0..<memory.count])
        stack = UnsafeMutableRawBufferPointer.allocate(byteCount: ExecutionLimits.stackSize, alignment: 16)
        stack.initializeMemory(as: UInt8.self, repeating: 0)
    }
}

/// A benchmark function from `Benchmarks/.native/libbench.so` (built by scripts/bench-build.sh),
/// or `nil` when the library or the symbol is missing.
struct NativeFunction: @unchecked Sendable {
    let body: @convention(c) (UnsafeMutableRawPointer?, UInt64) -> UInt64

    init?(symbol: String) {
        let path = BenchmarkProgram.directory.deletingLastPathComponent().appendingPathComponent(".native/libbench.so").path
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL), let address = dlsym(handle, symbol) else { return nil }
        body = unsafeBitCast(address, to: (@convention(c) (UnsafeMutableRawPointer?, UInt64) -> UInt64).self)
    }
}
