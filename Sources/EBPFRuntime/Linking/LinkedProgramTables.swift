import EBPFCore

/// What the helpers consult while a linked program runs, built once at link time and shared by
/// every copy of the ``LinkedProgram``: a run context refers to it (without a retain: the
/// running program keeps it alive) instead of copying the program and retaining its parts on
/// every run.
@usableFromInline
final class LinkedProgramTables: Sendable {
    /// The storage of the program's maps that it may access directly (``LinkedProgram/regions``).
    let regions: [MemoryRegion]
    /// The program's maps as (``BPFMap/programAddress``, map), which the map helpers search
    /// first: a few compares instead of the process-wide registry's lock and hash lookup.
    let mapsByAddress: [(address: UInt64, map: BPFMap)]
    /// Whether a run needs a run context even from a runner that calls helpers with proven
    /// arguments (``EBPFCore/ProgramRunner/helperArgumentsProven``): the program calls a helper
    /// that keeps state in the context or checks a pointer there with no proven body
    /// (`bpf_trace_printk`, `bpf_tail_call` and its trampoline, `bpf_ringbuf_output`), or calls
    /// helpers by register (`callx`), which could be any of them.
    @usableFromInline let needsRunContextWhenProven: Bool

    /// The program's type: the XDP helpers act only on an XDP run's context.
    let type: ProgramType

    init(program: Program, maps: [Int32: BPFMap], regions: [MemoryRegion], type: ProgramType = .raw) {
        self.regions = regions
        self.type = type
        self.mapsByAddress = maps.values.map { ($0.programAddress, $0) }
        let contextHelpers: Set<Int32> = [
            KernelHelpers.tracePrintkID, KernelHelpers.tailCallID, KernelHelpers.tailCallResultID, KernelHelpers.ringbufOutputID,
            KernelHelpers.xdpAdjustHeadID, KernelHelpers.xdpAdjustTailID, KernelHelpers.xdpAdjustMetaID,
            KernelHelpers.skbLoadBytesID, KernelHelpers.redirectID, KernelHelpers.csumDiffID,
            KernelHelpers.redirectMapID,
        ]
        self.needsRunContextWhenProven = program.decoded.slots.contains { slot in
            switch slot {
            case .operation(.callHelper(let id)): contextHelpers.contains(id)
            case .operation(.callRegister): true
            default: false
            }
        }
    }
}
