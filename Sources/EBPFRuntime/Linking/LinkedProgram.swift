import EBPFCore

/// A program ready for the engines, with everything it refers to: produced by ``ProgramLinker``.
///
/// - ``verifierProgram`` is what the verifier checks: `lddw` with src 1 (map) and src 2 (map
///   value) carrying map handles, described by ``mapDefinitions``.
/// - ``program`` is what the engines run: the same slots with each map `lddw` rewritten to a plain
///   64-bit constant (the map's address, or the value's address), so instruction indexes and
///   ``VerifiedFacts`` carry over; when the program calls `bpf_tail_call`, a few slots are
///   appended at the end (see ``ProgramLinker``) and ``extend(_:)`` pads the facts to match.
/// - ``helpers`` and ``regions`` are what to build the engine with: the helper registry, and the
///   map storage programs may access with run-time checks on.
///
/// The linked program keeps its maps alive. Run it with ``run(using:memory:trace:)`` (or one of
/// the buffer forms), which also makes tail calls and pointer checks in helpers work.
public struct LinkedProgram: Sendable {
    public let name: String
    public let verifierProgram: Program
    public let program: Program
    public let helpers: HelperRegistry
    /// The maps the program may reference, by handle.
    public let maps: [Int32: BPFMap]
    /// Storage of the referenced maps that programs may access directly.
    public let regions: [MemoryRegion]
    /// The licence (from the ELF `license` section), for GPL-only helpers.
    public let license: String?
    /// What the program is written against (from its ELF section): its context and verdicts.
    public let type: ProgramType
    /// What helpers consult during a run (regions, maps by address), shared by every copy.
    @usableFromInline let tables: LinkedProgramTables

    init(name: String, verifierProgram: Program, program: Program, helpers: HelperRegistry,
         maps: [Int32: BPFMap], regions: [MemoryRegion], license: String?, type: ProgramType = .raw) {
        self.type = type
        self.name = name
        self.verifierProgram = verifierProgram
        self.program = program
        self.helpers = helpers
        self.maps = maps
        self.regions = regions
        self.license = license
        self.tables = LinkedProgramTables(program: program, maps: maps, regions: regions, type: type)
    }

    /// Key and value sizes, types and sizes of the maps by handle, for the verifier.
    public var mapDefinitions: [Int32: MapDefinition] {
        maps.mapValues(\.definition)
    }

    /// `facts` (computed on ``verifierProgram``) extended to the slots the linker appended: they
    /// hold no memory access or division, so nothing is claimed for them.
    public func extend(_ facts: VerifiedFacts) -> VerifiedFacts {
        facts.padded(toSlotCount: program.count)
    }

    /// Runs the program once with `runner` (an engine built from ``program``, ``helpers`` and
    /// ``regions``) over `memory`, and returns R0.
    ///
    /// A runner that calls helpers with proven arguments (JIT code compiled with the verifier's
    /// facts, ``EBPFCore/ProgramRunner/helperArgumentsProven``) runs the program directly, with
    /// its own stack area, when every helper the program calls can do without the run context
    /// (the map helpers' proven bodies take the map and pointers on trust): nothing is built,
    /// copied or installed for the run. Otherwise this installs the run context helpers use
    /// (tail calls, pointer checks, `trace`) and gives the engine a fresh zero-filled stack
    /// area.
    /// - Parameter trace: where `bpf_trace_printk` writes; standard error when `nil`.
    @inlinable
    public func run(
        using runner: some ProgramRunner, memory: UnsafeMutableRawBufferPointer, trace: TraceLog? = nil
    ) throws(ExecutionTrap) -> UInt64 {
        if runner.helperArgumentsProven && !tables.needsRunContextWhenProven {
            return try runner.run(memory: memory, stack: nil)
        }
        return try runWithContext(using: runner, memory: memory, trace: trace)
    }

    /// ``run(using:memory:trace:)`` with the run context installed and a zero-filled stack area
    /// in this frame, which the context knows for pointer checks.
    @usableFromInline
    func runWithContext(
        using runner: some ProgramRunner, memory: UnsafeMutableRawBufferPointer, trace: TraceLog?
    ) throws(ExecutionTrap) -> UInt64 {
        let outcome = StackArea.withZeroFilled { stack -> Result<UInt64, ExecutionTrap> in
            var context = RunContext(memory: memory, stack: stack, program: self, trace: trace)
            do throws(ExecutionTrap) {
                let result = try RunContext.with(&context) { () throws(ExecutionTrap) -> UInt64 in
                    try runner.run(memory: memory, stack: stack)
                }
                if let trap = context.pendingTrap { return .failure(trap) }
                return .success(result)
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    /// Runs over a copy of `bytes` the program may modify, written back afterwards.
    public func run(using runner: some ProgramRunner, bytes: inout [UInt8], trace: TraceLog? = nil) throws(ExecutionTrap) -> UInt64 {
        var outcome: Result<UInt64, ExecutionTrap> = .success(0)
        bytes.withUnsafeMutableBytes { buffer in
            do throws(ExecutionTrap) {
                outcome = .success(try run(using: runner, memory: buffer, trace: trace))
            } catch {
                outcome = .failure(error)
            }
        }
        return try outcome.get()
    }

    /// Runs with a typed context: R1 points at `context` and R2 is its size (for example a C
    /// struct imported into Swift, or a Swift struct with the same layout as the program's).
    public func run<Context: BitwiseCopyable>(
        using runner: some ProgramRunner, context: inout Context, trace: TraceLog? = nil
    ) throws(ExecutionTrap) -> UInt64 {
        var outcome: Result<UInt64, ExecutionTrap> = .success(0)
        withUnsafeMutableBytes(of: &context) { buffer in
            do throws(ExecutionTrap) {
                outcome = .success(try run(using: runner, memory: buffer, trace: trace))
            } catch {
                outcome = .failure(error)
            }
        }
        return try outcome.get()
    }

    /// Runs a tail-called program inside the run `context` belongs to: same input memory, a new
    /// stack, this program's regions for pointer checks. Returns R0, or records a trap in the
    /// context.
    func runAsTailCall(using runner: some ProgramRunner, in context: UnsafeMutablePointer<RunContext>) -> UInt64 {
        let outerTables = context.pointee.tables
        let outerStack = context.pointee.stack
        defer {
            context.pointee.tables = outerTables
            context.pointee.stack = outerStack
        }
        return StackArea.withZeroFilled { stack -> UInt64 in
            // `self` (and so its tables) stays alive until this returns.
            context.pointee.tables = tables
            context.pointee.stack = stack
            do throws(ExecutionTrap) {
                return try runner.run(memory: context.pointee.memory, stack: stack)
            } catch {
                if context.pointee.pendingTrap == nil { context.pointee.pendingTrap = error }
                return 0
            }
        }
    }
}
